// Atrous spatial pyramid pooling (DeepLabV3) in torchvision's layout: `convs` = 1×1 branch, one 3×3
// branch per rate, image pooling branch; `project` = 1×1 conv, BN, ReLU, dropout 0.5. With
// `separable`, the 3×3 branches are depthwise-separable (DeepLabV3+).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../blocks/conv-norm-act.js";
import { SeparableConv } from "../blocks/separable-conv.js";
import { resize, spatial } from "../blocks/resize.js";

/** Global average pool → 1×1 conv-BN-ReLU, broadcast back to the input size. */
class ImagePooling extends nn.Sequential {
  constructor(inChannels: number, outChannels: number) {
    super(new nn.AdaptiveAvgPool2d(1), ...new ConvNormAct(inChannels, outChannels, 1));
  }

  override forward(x: Tensor): Tensor {
    return resize(super.forward(x), spatial(x));
  }
}

export interface ASPPOptions {
  rates: number[];
  outChannels?: number;
  separable?: boolean;
}

export class ASPP extends nn.Module {
  readonly convs: nn.ModuleList<nn.Sequential>;
  readonly project: nn.Sequential;

  constructor(inChannels: number, { rates, outChannels = 256, separable = false }: ASPPOptions) {
    super();
    const branches: nn.Sequential[] = [new ConvNormAct(inChannels, outChannels, 1)];
    for (const rate of rates) {
      branches.push(separable
        ? new SeparableConv(inChannels, outChannels, 3, { dilation: rate })
        : new ConvNormAct(inChannels, outChannels, 3, { dilation: rate }));
    }
    branches.push(new ImagePooling(inChannels, outChannels));
    this.convs = this.registerModule("convs", new nn.ModuleList(branches));
    this.project = this.registerModule("project", new nn.Sequential(
      ...new ConvNormAct(branches.length * outChannels, outChannels, 1), new nn.Dropout(0.5)));
  }

  forward(x: Tensor): Tensor {
    return this.project.call(torch.cat([...this.convs].map((branch) => branch.call(x)), 1));
  }
}
