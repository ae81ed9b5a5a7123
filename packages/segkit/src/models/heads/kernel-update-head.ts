// One K-Net stage (mmsegmentation's KernelUpdateHead as its semantic configs set it: 1×1 kernels, a
// 1×1 feature-transform conv without norm or activation, mask and feature strides 1, dropout 0): each
// class kernel gathers the features under its softmaxed mask, is updated by the KernelUpdator, then
// self-attention across kernels, an FFN and the mask fcs; the new kernels convolve the features into
// the next mask logits. Keys as mmseg's (mmcv's MultiheadAttention holds torch's as "attn", its FFN
// "layers.0.0" and "layers.1").
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "../blocks/resize.js";
import { KernelUpdator } from "./kernel-updator.js";

export interface KernelUpdateHeadOptions {
  /** The feature and kernel width (mmseg's in_channels = out_channels). */
  channels: number;
  /** The width of the updator's rows (mmseg's kernel_updator_cfg channels). */
  updatorChannels: number;
  numHeads: number;
  feedforwardChannels: number;
  numMaskFcs: number;
  /**
   * How masks weight the features each kernel gathers: softmax across kernels (semantic, the default)
   * or each its own binary mask, sigmoid > 0.5 (the authors' thing and stuff kernels, which may
   * overlap: their hard_mask_thr; no gradient flows through it).
   */
  maskActivation?: "softmax" | "binary";
}

/** A module whose one child has mmcv's name for it ("conv" in a ConvModule, "attn" in MultiheadAttention, "layers" in FFN). */
class Holder<M extends nn.Module> extends nn.Module {
  constructor(name: string, readonly inner: M) {
    super();
    this.registerModule(name, inner);
  }

  forward(...args: Parameters<M["forward"]>): ReturnType<M["forward"]> {
    return this.inner.call(...args) as ReturnType<M["forward"]>;
  }
}

export class KernelUpdateHead extends nn.Module {
  readonly attention: Holder<nn.MultiheadAttention>;
  readonly attention_norm: nn.LayerNorm;
  readonly kernel_update_conv: KernelUpdator;
  readonly feat_transform: Holder<nn.Conv2d>;
  readonly ffn: Holder<nn.Sequential>;
  readonly ffn_norm: nn.LayerNorm;
  readonly mask_fcs: nn.ModuleList<nn.Module>;
  readonly fc_mask: nn.Linear;

  constructor(readonly options: KernelUpdateHeadOptions) {
    super();
    const { channels: c, updatorChannels, numHeads, feedforwardChannels, numMaskFcs } = options;
    if (![undefined, "softmax", "binary"].includes(options.maskActivation)) throw new RangeError(`KernelUpdateHead: maskActivation must be "softmax" or "binary", got ${JSON.stringify(options.maskActivation)}`);
    if (c % updatorChannels !== 0) throw new RangeError(`KernelUpdateHead: channels (${c}) must be a multiple of updatorChannels (${updatorChannels})`);
    this.attention = this.registerModule("attention", new Holder("attn", new nn.MultiheadAttention(c, numHeads)));
    this.attention_norm = this.registerModule("attention_norm", new nn.LayerNorm(c));
    this.kernel_update_conv = this.registerModule("kernel_update_conv", new KernelUpdator(updatorChannels));
    this.feat_transform = this.registerModule("feat_transform", new Holder("conv", new nn.Conv2d(c, c, 1)));
    this.ffn = this.registerModule("ffn", new Holder("layers", new nn.Sequential(
      new nn.Sequential(new nn.Linear(c, feedforwardChannels), new nn.ReLU(), new nn.Dropout(0)), new nn.Linear(feedforwardChannels, c), new nn.Dropout(0))));
    this.ffn_norm = this.registerModule("ffn_norm", new nn.LayerNorm(c));
    const fcs: nn.Module[] = [];
    for (let i = 0; i < numMaskFcs; i++) fcs.push(new nn.Linear(c, c, { bias: false }), new nn.LayerNorm(c), new nn.ReLU());
    this.mask_fcs = this.registerModule("mask_fcs", new nn.ModuleList(fcs));
    this.fc_mask = this.registerModule("fc_mask", new nn.Linear(c, c));
  }

  /**
   * features (B, C, H, W), kernels (B, N, C) and the previous mask logits (B, N, h, w) → the new mask
   * logits (B, N, H, W) and kernels (B, N, C).
   */
  forward(features: Tensor, kernels: Tensor, masks: Tensor): [Tensor, Tensor] {
    const [b, n, c] = kernels.shape;
    const x = this.feat_transform.call(features);
    const size = spatial(x);
    const gather = masks.shape[2] === size[0] && masks.shape[3] === size[1] ? masks : resize(masks, size);
    const weights = this.options.maskActivation === "binary" ? gather.sigmoid().gt(0.5).to("float32") : gather.softmax(1);
    const gathered = torch.einsum("bnhw,bchw->bnc", [weights, x]);
    let objects = this.kernel_update_conv.call(gathered, kernels.unsqueeze(2)).reshape([b, n, c]);
    // Attention across the kernels of an image: sequence-first (N, B, C), the input added back.
    const sequence = objects.permute([1, 0, 2]);
    objects = this.attention_norm.call(sequence.add(this.attention.call(sequence, sequence, sequence)[0])).permute([1, 0, 2]);
    objects = this.ffn_norm.call(objects.add(this.ffn.call(objects)));
    let maskKernels = objects;
    for (const layer of this.mask_fcs) maskKernels = (layer as nn.Module & { forward(x: Tensor): Tensor }).call(maskKernels);
    const next = torch.einsum("bnc,bchw->bnhw", [this.fc_mask.call(maskKernels), x]);
    return [next, objects];
  }
}
