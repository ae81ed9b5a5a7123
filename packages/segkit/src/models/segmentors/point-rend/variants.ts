// PointRend as registered: "pointrend_r50" is mmsegmentation's configs/_base_/models/pointrend_r50.py
// (the backbone, widths and sampling may be overridden; the tests build reduced models this way):
// ResNetV1c-50, FPN of 256 channels with nearest upsampling, FPN head of 128 without dropout, point
// head of 3 fcs × 256 on the stride-4 level, 2048 training points (oversampling 3, importance 0.75),
// 2 subdivision steps of 8196 points.
import { build, register, type Config } from "../../../config/registry.js";
import type { Backbone } from "../../backbones/backbone.js";
import type { DecodeHead } from "../../heads/decode-head.js";
import { PointHead } from "../../heads/point-head.js";
import { registerNotExportable } from "../../not-exportable.js";
import type { Neck } from "../encoder-decoder/model.js";
import type { Segmentor } from "../segmentor.js";
import { PointRend } from "./model.js";

const RESNET_V1C_50 = { type: "resnet50", deepStem: true };
const SAMPLING = ["subdivisionSteps", "subdivisionNumPoints", "numPoints", "oversampleRatio", "importanceSampleRatio", "pointLoss", "pointLossWeight"];

register<Segmentor>("model", "pointrend_r50", {
  options: ["numClasses", "ignoreIndex", "backbone", "neckChannels", "headChannels", "pointChannels", "numFcs", ...SAMPLING],
  summary: "PointRend (Kirillov et al. 2020) on Semantic FPN, ResNetV1c-50 (mmsegmentation's pointrend_r50): adaptive subdivision at inference, importance-sampled point loss in training",
  build: ({ numClasses, ignoreIndex, backbone: backboneConfig = RESNET_V1C_50, neckChannels = 256, headChannels = 128, pointChannels = 256, numFcs = 3, ...sampling }, where) => {
    const backbone = build<Backbone>("backbone", backboneConfig as Config, `${where}.backbone`);
    const neck = build<Neck>("neck", { type: "fpn", inChannels: backbone.outChannels, outChannels: neckChannels, upsample: "nearest" }, `${where}.neck`);
    const levels = backbone.outChannels.map(() => neckChannels as number);
    const head = build<DecodeHead>("head", {
      type: "fpn", numClasses, ignoreIndex, inChannels: levels, strides: backbone.strides, channels: headChannels, dropoutRatio: 0,
    }, `${where}.head`);
    const pointHead = new PointHead({ numClasses: numClasses as number, inChannels: neckChannels as number, channels: pointChannels as number, numFcs: numFcs as number });
    return new PointRend({ backbone, neck, head, pointHead, ...sampling });
  },
});

// Subdivision picks cells by the data (topk), samples with grid_sampler and writes back with scatter:
// none of those has a translation in the ONNX writer.
const NOT_EXPORTABLE = "adaptive subdivision selects its cells with aten::topk, samples them with aten::grid_sampler and writes them back with aten::scatter, which the ONNX writer does not translate";
registerNotExportable("pointrend_r50", NOT_EXPORTABLE);
