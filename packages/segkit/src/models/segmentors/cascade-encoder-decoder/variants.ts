// mmsegmentation's HRNetV2 and OCRNet models as data (configs/_base_/models/fcn_hr18.py,
// ocrnet_hr18.py, ocrnet_r50-d8.py and their hr18s/hr48/r101 variants), in its checkpoints' keys:
// - fcn_hr*: HRNetV2 with its FCN head on the four branches joined by resize_concat (one 1×1
//   conv-BN-ReLU of their total width), no dropout;
// - ocrnet_hr*: the same FCN head (loss weight 0.4) whose logits are the soft object regions of an
//   OCR head on the same input (channels 512, OCR channels 256, loss weight 1);
// - ocrnet_r50/r101: ResNetV1c dilated to output stride 8, FCN head on layer3 (256 channels, 3×3,
//   loss 0.4) → OCR head on layer4; dropout 0.1. mmseg's checkpoints load through key map
//   "mmseg_cascade" (its ResNetV1c stem is segkit's deepStem).
// W32 has no mmseg config; its models follow W18/W48's. Options change the backbone layout (stages,
// ResNet width) and head widths, for reduced test models, and load a pretrained backbone.
import { build, register, type Builder } from "../../../config/registry.js";
import type { Backbone } from "../../backbones/backbone.js";
import { PRETRAINED_OPTIONS } from "../../backbones/pretrained.js";
import "../../backbones/hrnet/variants.js";
import type { Config } from "../../../config/registry.js";
import { MmsegFCNHead } from "../../heads/mmseg-fcn-head.js";
import { OCRHead } from "../../heads/ocr-head.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { CascadeEncoderDecoder } from "./model.js";

interface Common {
  numClasses: number;
  ignoreIndex?: number;
  loss?: Config;
}

function backboneConfig(type: string, options: Record<string, unknown>, keys: readonly string[]): Config {
  return { type, ...Object.fromEntries(keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]])) };
}

function hrModel(backbone: string, withOcr: boolean): Builder<Segmentor> {
  const backboneKeys = ["stages", ...PRETRAINED_OPTIONS];
  return {
    options: [...SEGMENTOR_OPTIONS, ...backboneKeys, ...(withOcr ? ["channels", "ocrChannels"] : [])],
    summary: withOcr
      ? `OCRNet on HRNetV2 (${backbone}): FCN head → OCR head, mmsegmentation's layout`
      : `HRNetV2 (${backbone}) with its FCN head on the four branches, mmsegmentation's layout`,
    build: (o, where) => {
      const { numClasses, ignoreIndex, loss, channels = 512, ocrChannels = 256 } = o as unknown as Common & { channels?: number; ocrChannels?: number };
      const net = build<Backbone>("backbone", backboneConfig(backbone, o, backboneKeys), `${where}.backbone`);
      const inputs = { numClasses, ignoreIndex, loss, inChannels: net.outChannels, inIndex: net.outChannels.map((_, i) => i), dropoutRatio: 0 };
      const fcn = new MmsegFCNHead({
        ...inputs, inputTransform: "resize_concat", channels: net.outChannels.reduce((a, b) => a + b, 0), kernelSize: 1, numConvs: 1,
        concatInput: false, ...(withOcr ? { lossWeight: 0.4, name: "decode_0" } : {}),
      });
      return new CascadeEncoderDecoder(net, withOcr ? [fcn, new OCRHead({ ...inputs, channels, ocrChannels, name: "decode_1" })] : [fcn]);
    },
  };
}

function resnetOcr(depth: 50 | 101): Builder<Segmentor> {
  const backboneKeys = ["width", ...PRETRAINED_OPTIONS];
  return {
    options: [...SEGMENTOR_OPTIONS, ...backboneKeys, "fcnChannels", "channels", "ocrChannels"],
    summary: `OCRNet on dilated ResNetV1c-${depth} (output stride 8): FCN head on layer3 → OCR head on layer4, mmsegmentation's layout`,
    build: (o, where) => {
      const { numClasses, ignoreIndex, loss, fcnChannels = 256, channels = 512, ocrChannels = 256 } = o as unknown as Common & Record<string, number | undefined>;
      const config = { ...backboneConfig(depth === 50 ? "resnet50" : "resnet101", o, backboneKeys), deepStem: true, outputStride: 8 };
      const net = build<Backbone>("backbone", config, `${where}.backbone`);
      const common = { numClasses, ignoreIndex, loss };
      const fcn = new MmsegFCNHead({
        ...common, inChannels: net.outChannels[2], inIndex: 2, channels: fcnChannels, numConvs: 1, concatInput: false, lossWeight: 0.4, name: "decode_0",
      });
      return new CascadeEncoderDecoder(net, [fcn, new OCRHead({ ...common, inChannels: net.outChannels[3], inIndex: 3, channels, ocrChannels, name: "decode_1" })]);
    },
  };
}

register("model", "fcn_hr18s", hrModel("hrnet_w18_small_v2", false));
register("model", "fcn_hr18", hrModel("hrnet_w18", false));
register("model", "fcn_hr32", hrModel("hrnet_w32", false));
register("model", "fcn_hr48", hrModel("hrnet_w48", false));
register("model", "ocrnet_hr18s", hrModel("hrnet_w18_small_v2", true));
register("model", "ocrnet_hr18", hrModel("hrnet_w18", true));
register("model", "ocrnet_hr32", hrModel("hrnet_w32", true));
register("model", "ocrnet_hr48", hrModel("hrnet_w48", true));
register("model", "ocrnet_r50", resnetOcr(50));
register("model", "ocrnet_r101", resnetOcr(101));
