// Overlapping patch embedding (Xie et al. 2021, SegFormer §3.1): a strided conv whose kernel is larger
// than its stride (7/4, then 3/2), padded by half the kernel, so neighbouring patches share pixels and
// every input size works (the output is ⌈H/stride⌉ × ⌈W/stride⌉). Keys as Hugging Face's
// SegformerOverlapPatchEmbeddings: "proj", "layer_norm".
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { toTokens } from "../../blocks/tokens.js";

export interface PatchTokens {
  /** (B, h·w, C) */
  tokens: Tensor;
  /** [h, w] of the patch grid. */
  size: number[];
}

export class OverlapPatchEmbed extends nn.Module {
  readonly proj: nn.Conv2d;
  readonly layer_norm: nn.LayerNorm;

  constructor(inChannels: number, channels: number, patchSize: number, stride: number) {
    super();
    this.proj = this.registerModule("proj", new nn.Conv2d(inChannels, channels, patchSize, { stride, padding: Math.floor(patchSize / 2) }));
    this.layer_norm = this.registerModule("layer_norm", new nn.LayerNorm(channels));
  }

  forward(x: Tensor): PatchTokens {
    const map = this.proj.call(x);
    return { tokens: this.layer_norm.call(toTokens(map)), size: map.shape.slice(2) };
  }
}
