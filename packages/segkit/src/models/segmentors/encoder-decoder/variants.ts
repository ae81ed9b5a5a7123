// Encoder-decoder variants as data: the torchvision segmentation models (whose weights load from
// PyTorch exports) and the mmsegmentation-style compositions, each a backbone and head config.
import { build, register, type Builder, type Config } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import "./from-config.js";

interface Preset {
  summary: string;
  backbone: Config;
  head: Config;
  neck?: Config;
  /** The backbone level the FCN auxiliary head reads (weight 0.4, with auxLoss). */
  auxIndex: number;
}

export function preset({ summary, backbone, head, neck, auxIndex }: Preset): Builder<Segmentor> {
  return {
    options: ["numClasses", "ignoreIndex", "auxLoss", "loss"],
    summary,
    build: ({ auxLoss, ...o }, where) => build<Segmentor>("model", {
      type: "encoder_decoder", ...o, backbone, head, ...(neck ? { neck } : {}),
      auxiliary: auxLoss ? [{ type: "fcn", inIndex: auxIndex }] : [],
    }, where),
  };
}

const DILATED_RESNET50 = { type: "resnet50", outputStride: 8 };
const DILATED_RESNET101 = { type: "resnet101", outputStride: 8 };
const DILATED_MOBILENET_V3_LARGE = { type: "mobilenet_v3_large", dilated: true };

register("model", "fcn_resnet50", preset({
  summary: "FCN on dilated ResNet-50 (torchvision)", backbone: DILATED_RESNET50, head: { type: "fcn" }, auxIndex: 2,
}));
register("model", "fcn_resnet101", preset({
  summary: "FCN on dilated ResNet-101 (torchvision)", backbone: DILATED_RESNET101, head: { type: "fcn" }, auxIndex: 2,
}));
register("model", "deeplabv3_resnet50", preset({
  summary: "DeepLabV3 on dilated ResNet-50 (torchvision)", backbone: DILATED_RESNET50, head: { type: "deeplabv3" }, auxIndex: 2,
}));
register("model", "deeplabv3_resnet101", preset({
  summary: "DeepLabV3 on dilated ResNet-101 (torchvision)", backbone: DILATED_RESNET101, head: { type: "deeplabv3" }, auxIndex: 2,
}));
register("model", "deeplabv3_os16_resnet50", preset({
  summary: "DeepLabV3 as in the paper: ResNet-50 at output stride 16, ASPP rates 6/12/18",
  backbone: { type: "resnet50", outputStride: 16 }, head: { type: "deeplabv3", rates: [6, 12, 18] }, auxIndex: 2,
}));
register("model", "deeplabv3plus_resnet50", preset({
  summary: "DeepLabV3+ on dilated ResNet-50 (output stride 8)", backbone: DILATED_RESNET50, head: { type: "deeplabv3plus", inIndex: [0, 3] }, auxIndex: 2,
}));
register("model", "pspnet_resnet50", preset({
  summary: "PSPNet on dilated ResNet-50 (output stride 8)", backbone: DILATED_RESNET50, head: { type: "psp" }, auxIndex: 2,
}));
register("model", "upernet_resnet50", preset({
  summary: "UPerNet on ResNet-50", backbone: { type: "resnet50" }, head: { type: "uper" }, auxIndex: 2,
}));
register("model", "fpn_resnet50", preset({
  summary: "Semantic FPN on ResNet-50", backbone: { type: "resnet50" }, head: { type: "fpn" }, neck: { type: "fpn" }, auxIndex: 2,
}));
register("model", "deeplabv3_mobilenet_v3_large", preset({
  summary: "DeepLabV3 on dilated MobileNetV3-Large (torchvision)", backbone: DILATED_MOBILENET_V3_LARGE, head: { type: "deeplabv3", inIndex: 1 }, auxIndex: 0,
}));
register("model", "lraspp_mobilenet_v3_large", preset({
  summary: "Lite R-ASPP on dilated MobileNetV3-Large (torchvision)", backbone: DILATED_MOBILENET_V3_LARGE, head: { type: "lraspp", inIndex: [0, 1] }, auxIndex: 0,
}));
