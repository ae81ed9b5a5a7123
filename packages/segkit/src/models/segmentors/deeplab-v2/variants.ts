// DeepLab v2 as registered: "deeplabv2_r101" is the authors' DeepLab-v2 ResNet-101 with ASPP-L and
// multi-scale inputs (kazuto1011/deeplab-pytorch's DeepLabV2_ResNet101_MSC); blocks, width, rates and scales
// may be overridden (the tests build reduced models this way).
import { register } from "../../../config/registry.js";
import { registerNotExportable } from "../../not-exportable.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { DeepLabV2 } from "./model.js";

register<Segmentor>("model", "deeplabv2_r101", {
  options: [...SEGMENTOR_OPTIONS, "blocks", "width", "rates", "scales"],
  summary: "DeepLab v2 (Chen et al. 2017): dilated MSRA ResNet-101, ASPP rates 6/12/18/24, max fusion of 1, 0.75, 0.5 input scales (kazuto1011/deeplab-pytorch's layout)",
  build: (o) => new DeepLabV2(o as never),
});
registerNotExportable("deeplabv2_r101", "its input pyramid resizes by scale factor (F.interpolate(scale_factor=0.5/0.75), sampled at the exact scale, as the authors' code does), and the ONNX writer translates resizes by output size, which samples elsewhere when the size is not a multiple (measured 6% relative off at 50×67); the max fusion (aten::stack, aten::amax) has no translation either");
