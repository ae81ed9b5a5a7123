// OCNet's heads (Yuan and Wang 2018) in the authors' layout and keys (network/resnet101_base_oc.py,
// resnet101_asp_oc.py): "context" = a 3×3 conv (with bias) + ABN to 512 channels, then the base OC
// module (key 256, value 256, dropout 0.05) or the ASP-OC module (256 per branch, fused to 512); "cls"
// a 1×1 classifier.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ActivatedBatchNorm, ASPOCModule, BaseOCModule } from "../blocks/object-context.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

export interface OCHeadOptions extends HeadOptions {
  inChannels: number;
  /** Width after the first conv (512). */
  channels?: number;
  /** ASP-OC's dilations (12, 24, 36). */
  dilations?: [number, number, number];
}

export class OCHead extends DecodeHead {
  readonly context: nn.Sequential;
  readonly cls: nn.Conv2d;

  constructor(options: OCHeadOptions, kind: "base" | "asp") {
    super(options, -1);
    const { inChannels, channels = 512, dilations } = options;
    const module = kind === "base" ? new BaseOCModule(channels, channels / 2, channels / 2, 0.05) : new ASPOCModule(channels, channels / 2, dilations);
    this.context = this.registerModule("context", new nn.Sequential(new nn.Conv2d(inChannels, channels, 3, { padding: 1 }), new ActivatedBatchNorm(channels), module));
    this.cls = this.registerModule("cls", new nn.Conv2d(channels, this.numClasses, 1));
  }

  forward(features: Tensor[]): Tensor {
    return this.cls.call(this.context.call(this.input(features)));
  }
}

register<DecodeHead>("head", "oc_base", {
  options: HEAD_CONFIG_OPTIONS, summary: "OCNet's base-OC head: object context (self-attention) concatenated with the features (the authors' layout)",
  build: (o) => new OCHead(o as never, "base"),
});
register<DecodeHead>("head", "oc_asp", {
  options: [...HEAD_CONFIG_OPTIONS, "dilations"], summary: "OCNet's ASP-OC head: ASPP whose 3×3 branch is object context (the authors' layout)",
  build: (o) => new OCHead(o as never, "asp"),
});
