// mmsegmentation's FCNHead in its checkpoints' layout (mmseg/models/decode_heads/fcn_head.py): a
// stack of numConvs conv-BN-ReLU ("convs", mmcv ConvModule keys), with concatInput the input and
// their output concatenated and fused by "conv_cat", then dropout and "conv_seg". Its fcn_*-d8
// decode heads use 2 convs and the concatenation; SETR-MLA's auxiliary heads none (conv_seg alone on
// a neck output); the "fcn" head is torchvision's (mmseg's with one conv and no concatenation, the
// auxiliary head its other configs use). HRNetV2's head is this one on all four branches joined by
// resize_concat (inIndex a list, inChannels their widths), one 1×1 conv.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import { concatenatedChannels, resizeConcat } from "../blocks/resize-concat.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

export interface MmsegFCNHeadOptions extends HeadOptions {
  /** A list with inputTransform "resize_concat": the widths of the maps joined. */
  inChannels: number | number[];
  /** "resize_concat": the maps at inIndex resized to the first's size and concatenated. */
  inputTransform?: "resize_concat";
  /** Default 512. */
  channels?: number;
  /** Default 2; 0 (then channels must equal inChannels) classifies the input as it is. */
  numConvs?: number;
  /** Default true. */
  concatInput?: boolean;
  kernelSize?: number;
  dilation?: number;
  /** Default 0.1; 0 for none (mmseg's -1). */
  dropoutRatio?: number;
}

export class MmsegFCNHead extends DecodeHead {
  readonly convs: nn.Sequential;
  readonly conv_cat: ConvBnAct | null;
  readonly #concatInputs: boolean;

  constructor(options: MmsegFCNHeadOptions) {
    super(options, -1);
    const { channels = 512, numConvs = 2, concatInput = true, kernelSize = 3, dilation = 1, inputTransform, dropoutRatio = 0.1 } = options;
    if (!(Number.isInteger(numConvs) && numConvs >= 0)) throw new RangeError(`MmsegFCNHead: numConvs must be an integer ≥ 0, got ${numConvs}`);
    if (inputTransform !== undefined && inputTransform !== "resize_concat") throw new RangeError(`MmsegFCNHead: inputTransform must be "resize_concat" or absent, got ${JSON.stringify(inputTransform)}`);
    if ((inputTransform === "resize_concat") !== Array.isArray(options.inChannels)) throw new RangeError("MmsegFCNHead: inChannels is a list exactly when inputTransform is \"resize_concat\"");
    this.#concatInputs = inputTransform === "resize_concat";
    const inChannels = concatenatedChannels(options.inChannels);
    if (numConvs === 0 && channels !== inChannels) throw new RangeError(`MmsegFCNHead: without convs, channels (${channels}) must equal inChannels (${inChannels})`);
    this.convs = this.registerModule("convs", new nn.Sequential(
      ...Array.from({ length: numConvs }, (_, i) => new ConvBnAct(i === 0 ? inChannels : channels, channels, kernelSize, { dilation }))));
    this.conv_cat = concatInput ? this.registerModule("conv_cat", new ConvBnAct(inChannels + channels, channels, kernelSize)) : null;
    this.addClassifier(channels, dropoutRatio);
  }

  forward(features: Tensor[]): Tensor {
    const x = this.#concatInputs ? resizeConcat(this.inputs(features)) : this.input(features);
    const y = this.convs.call(x);
    return this.classify(this.conv_cat ? this.conv_cat.call(torch.cat([x, y], 1)) : y);
  }
}

register<DecodeHead>("head", "mmseg_fcn", {
  options: [...HEAD_CONFIG_OPTIONS, "numConvs", "concatInput", "kernelSize", "dilation", "inputTransform", "dropoutRatio"],
  summary: "mmsegmentation's FCNHead (numConvs, concatInput; its checkpoints' layout)", build: (o) => new MmsegFCNHead(o as never),
});
