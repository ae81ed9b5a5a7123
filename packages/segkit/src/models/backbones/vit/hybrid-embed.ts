// The R50+ViT hybrid's patch embedding (timm's HybridEmbed, keys patch_embed.backbone.* and
// patch_embed.proj): the ResNetV2's last stage is the patch grid, projected to the token width by a
// 1×1 conv. Its SAME padding takes any input size; the grid side is ceil(side / reduction).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ResNetV2, type ResNetV2Options } from "../resnetv2/resnetv2.js";

export class HybridEmbed extends nn.Module {
  readonly backbone: ResNetV2;
  readonly proj: nn.Conv2d;
  /** The ResNet's stride at its last stage, the "patch" a token covers. */
  readonly patchSize: number;

  constructor(resnet: ResNetV2Options, inChannels: number, embedDim: number) {
    super();
    this.backbone = this.registerModule("backbone", new ResNetV2({ ...resnet, inChannels, layout: "timm" }));
    this.patchSize = this.backbone.strides.at(-1)!;
    this.proj = this.registerModule("proj", new nn.Conv2d(this.backbone.outChannels.at(-1)!, embedDim, 1));
  }

  /** (B, C, H, W) → (B, D, ceil(H / patchSize), ceil(W / patchSize)). */
  forward(x: Tensor): Tensor {
    return this.proj.call(this.backbone.call(x).at(-1)!);
  }
}
