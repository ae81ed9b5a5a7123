// NLNet's head (Wang et al. 2018, non-local block) as mmsegmentation's NLHead: its FCNHead with two
// convs, the non-local block between them ("nl_block", mmcv's NonLocal2d), the input concatenated and
// fused by "conv_cat", then dropout and "conv_seg".
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { ConvBnAct } from "../blocks/conv-bn-act.js";
import { NonLocal2d, type NonLocalOptions } from "../blocks/non-local.js";
import { MmsegFCNHead, type MmsegFCNHeadOptions } from "./mmseg-fcn-head.js";
import { HEAD_CONFIG_OPTIONS, type DecodeHead } from "./decode-head.js";
import { register } from "../../config/registry.js";

export type NLHeadOptions = Omit<MmsegFCNHeadOptions, "numConvs"> & NonLocalOptions;

export class NLHead extends MmsegFCNHead {
  readonly nl_block: NonLocal2d;

  constructor(options: NLHeadOptions) {
    super({ ...options, numConvs: 2 });
    const { channels = 512, reduction, useScale, mode } = options;
    this.nl_block = this.registerModule("nl_block", new NonLocal2d(channels, { reduction, useScale, mode }));
  }

  override forward(features: Tensor[]): Tensor {
    const x = this.input(features);
    const [first, second] = [this.convs.at(0), this.convs.at(1)] as ConvBnAct[];
    const y = second.call(this.nl_block.call(first.call(x)));
    return this.classify(this.conv_cat ? this.conv_cat.call(torch.cat([x, y], 1)) : y);
  }
}

register<DecodeHead>("head", "nl", {
  options: [...HEAD_CONFIG_OPTIONS, "concatInput", "reduction", "useScale", "mode"],
  summary: "NLNet's non-local head (mmsegmentation's NLHead: embedded_gaussian or dot_product; its checkpoints' layout)",
  build: (o) => new NLHead(o as never),
});
