// The context and attention heads of mmsegmentation's model zoo on its dilated ResNetV1c (deep stem,
// output stride 8), composed as its configs/_base_/models/*_r50-d8.py compose them; with auxLoss the
// FCN auxiliary head (256 channels) reads layer3, weight 0.4. Their checkpoints load through the
// "mmseg_resnet" key map. Named as mmsegmentation names them ("_r50": ResNetV1c-50-d8), apart from
// the torchvision-layout "_resnet50" models.
import { register } from "../../../config/registry.js";
import { registerNotExportable } from "../../not-exportable.js";
import { preset } from "./variants.js";

const RESNET_V1C_50_D8 = { type: "resnet50", outputStride: 8, deepStem: true };

register("model", "danet_r50", preset({
  summary: "DANet (Fu et al. 2019): position + channel attention on ResNetV1c-50-d8 (mmsegmentation's DAHead)",
  backbone: RESNET_V1C_50_D8, head: { type: "da", channels: 512, pamChannels: 64 }, auxIndex: 2,
}));
register("model", "nonlocal_r50", preset({
  summary: "NLNet (Wang et al. 2018): non-local block, embedded Gaussian, on ResNetV1c-50-d8 (mmsegmentation's NLHead)",
  backbone: RESNET_V1C_50_D8, head: { type: "nl", channels: 512, reduction: 2, useScale: true, mode: "embedded_gaussian" }, auxIndex: 2,
}));
register("model", "apcnet_r50", preset({
  summary: "APCNet (He et al. 2019): adaptive context modules, scales 1/2/3/6, on ResNetV1c-50-d8 (mmsegmentation's APCHead)",
  backbone: RESNET_V1C_50_D8, head: { type: "apc", channels: 512, poolScales: [1, 2, 3, 6] }, auxIndex: 2,
}));
register("model", "dmnet_r50", preset({
  summary: "DMNet (He et al. 2019): dynamic convolutional modules, filters 1/3/5/7, on ResNetV1c-50-d8 (mmsegmentation's DMHead)",
  backbone: RESNET_V1C_50_D8, head: { type: "dm", channels: 512, filterSizes: [1, 3, 5, 7] }, auxIndex: 2,
}));
register("model", "encnet_r50", preset({
  summary: "EncNet (Zhang et al. 2018): context encoding, 32 codewords, with the SE loss, on ResNetV1c-50-d8 (mmsegmentation's EncHead)",
  backbone: RESNET_V1C_50_D8, head: { type: "enc", channels: 512, numCodes: 32 }, auxIndex: 2,
}));
register("model", "psanet_r50", preset({
  summary: "PSANet (Zhao et al. 2018): point-wise spatial attention, collect + distribute, 97×97 masks, on ResNetV1c-50-d8 (mmsegmentation's PSAHead)",
  backbone: RESNET_V1C_50_D8, head: { type: "psa", channels: 512, maskSize: [97, 97] }, auxIndex: 2,
}));
registerNotExportable("psanet_r50", "PSAMask places each position's mask on the grid with gathers: the ONNX writer does not translate aten::gather, nor aten::zeros, aten::masked_fill and the comparisons that build its index (aten::ge, aten::lt, aten::logical_and, aten::logical_not)");

// OCNet (Yuan and Wang 2018) on ResNetV1c-101-d8 with the FCN auxiliary head on layer3: the heads are
// the authors' (openseg-group/OCNet.pytorch); their backbone's deep stem (64-64-128 channels) and
// their auxiliary head (conv with bias, InPlaceABN) differ from segkit's ResNetV1c and "fcn".
const RESNET_V1C_101_D8 = { type: "resnet101", outputStride: 8, deepStem: true };
register("model", "ocnet_base_r101", preset({
  summary: "OCNet (Yuan and Wang 2018), base-OC: object context by self-attention concatenated with the features, on ResNetV1c-101-d8",
  backbone: RESNET_V1C_101_D8, head: { type: "oc_base" }, auxIndex: 2,
}));
register("model", "ocnet_asp_r101", preset({
  summary: "OCNet (Yuan and Wang 2018), ASP-OC: ASPP whose 3×3 branch is object context, on ResNetV1c-101-d8",
  backbone: RESNET_V1C_101_D8, head: { type: "oc_asp" }, auxIndex: 2,
}));
const OCNET_NOT_EXPORTABLE = "the authors' InPlaceABN activation is a leaky ReLU (aten::leaky_relu), which the ONNX writer does not translate";
registerNotExportable("ocnet_base_r101", OCNET_NOT_EXPORTABLE);
registerNotExportable("ocnet_asp_r101", OCNET_NOT_EXPORTABLE);
