// PVT v2-B0…B5 and B2-Li (timm's pvt_v2_b* widths, depths and MLP ratios) and PVT v1-Tiny…Large (the
// authors' segmentation pvt.py) as data, as backbones and with Semantic FPN. Configs may override the widths and depths, as the tests do for reduced models.
import { register, type Builder } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { semanticFpn } from "../../segmentors/encoder-decoder/semantic-fpn.js";
import { PyramidVisionTransformer, type PVTv1Options } from "./pvt-v1.js";
import { PyramidVisionTransformerV2, type PVTv2Options } from "./pvt-v2.js";

const WIDE = [64, 128, 320, 512];
const B0: PVTv2Options = { embedDims: [32, 64, 160, 256], depths: [2, 2, 2, 2] };
const B1: PVTv2Options = { embedDims: WIDE, depths: [2, 2, 2, 2] };
const B2: PVTv2Options = { embedDims: WIDE, depths: [3, 4, 6, 3] };
const B2_LI: PVTv2Options = { embedDims: WIDE, depths: [3, 4, 6, 3], linear: true };
const B3: PVTv2Options = { embedDims: WIDE, depths: [3, 4, 18, 3] };
const B4: PVTv2Options = { embedDims: WIDE, depths: [3, 8, 27, 3] };
const B5: PVTv2Options = { embedDims: WIDE, depths: [3, 6, 40, 3], mlpRatios: [4, 4, 4, 4] };

const PVT_OPTIONS = ["embedDims", "depths", "numHeads", "srRatios", "mlpRatios", "dropPathRate"];

function backbone(preset: PVTv2Options, summary: string): Builder<Backbone> {
  return { options: PVT_OPTIONS, summary, build: (o) => new PyramidVisionTransformerV2({ ...preset, ...o } as PVTv2Options) };
}

register("backbone", "pvt_v2_b0", backbone(B0, "PVT v2-B0 (Wang 2022), timm layout"));
register("backbone", "pvt_v2_b1", backbone(B1, "PVT v2-B1 (Wang 2022), timm layout"));
register("backbone", "pvt_v2_b2", backbone(B2, "PVT v2-B2 (Wang 2022), timm layout"));
register("backbone", "pvt_v2_b2_li", backbone(B2_LI, "PVT v2-B2-Li (Wang 2022): linear spatial-reduction attention, timm layout"));
register("backbone", "pvt_v2_b3", backbone(B3, "PVT v2-B3 (Wang 2022), timm layout"));
register("backbone", "pvt_v2_b4", backbone(B4, "PVT v2-B4 (Wang 2022), timm layout"));
register("backbone", "pvt_v2_b5", backbone(B5, "PVT v2-B5 (Wang 2022), timm layout"));

register("model", "fpn_pvt_v2_b0", semanticFpn("pvt_v2_b0", PVT_OPTIONS, "Semantic FPN on PVT v2-B0"));
register("model", "fpn_pvt_v2_b1", semanticFpn("pvt_v2_b1", PVT_OPTIONS, "Semantic FPN on PVT v2-B1"));
register("model", "fpn_pvt_v2_b2", semanticFpn("pvt_v2_b2", PVT_OPTIONS, "Semantic FPN on PVT v2-B2"));
register("model", "fpn_pvt_v2_b2_li", semanticFpn("pvt_v2_b2_li", PVT_OPTIONS, "Semantic FPN on PVT v2-B2-Li (linear SRA)"));
register("model", "fpn_pvt_v2_b3", semanticFpn("pvt_v2_b3", PVT_OPTIONS, "Semantic FPN on PVT v2-B3"));
register("model", "fpn_pvt_v2_b4", semanticFpn("pvt_v2_b4", PVT_OPTIONS, "Semantic FPN on PVT v2-B4"));
register("model", "fpn_pvt_v2_b5", semanticFpn("pvt_v2_b5", PVT_OPTIONS, "Semantic FPN on PVT v2-B5"));

const V1 = { embedDims: WIDE, numHeads: [1, 2, 5, 8], mlpRatios: [8, 8, 4, 4] };
const TINY: PVTv1Options = { ...V1, depths: [2, 2, 2, 2] };
const SMALL: PVTv1Options = { ...V1, depths: [3, 4, 6, 3] };
const MEDIUM: PVTv1Options = { ...V1, depths: [3, 4, 18, 3] };
const LARGE: PVTv1Options = { ...V1, depths: [3, 8, 27, 3] };
const PVT_V1_OPTIONS = ["embedDims", "depths", "numHeads", "srRatios", "mlpRatios", "dropPathRate", "pretrainSize"];

function v1(preset: PVTv1Options, summary: string): Builder<Backbone> {
  return { options: PVT_V1_OPTIONS, summary, build: (o) => new PyramidVisionTransformer({ ...preset, ...o } as PVTv1Options) };
}

register("backbone", "pvt_tiny", v1(TINY, "PVT v1-Tiny (Wang 2021), the authors' layout"));
register("backbone", "pvt_small", v1(SMALL, "PVT v1-Small (Wang 2021), the authors' layout"));
register("backbone", "pvt_medium", v1(MEDIUM, "PVT v1-Medium (Wang 2021), the authors' layout"));
register("backbone", "pvt_large", v1(LARGE, "PVT v1-Large (Wang 2021), the authors' layout"));

register("model", "fpn_pvt_tiny", semanticFpn("pvt_tiny", PVT_V1_OPTIONS, "Semantic FPN on PVT v1-Tiny"));
register("model", "fpn_pvt_small", semanticFpn("pvt_small", PVT_V1_OPTIONS, "Semantic FPN on PVT v1-Small"));
register("model", "fpn_pvt_medium", semanticFpn("pvt_medium", PVT_V1_OPTIONS, "Semantic FPN on PVT v1-Medium"));
register("model", "fpn_pvt_large", semanticFpn("pvt_large", PVT_V1_OPTIONS, "Semantic FPN on PVT v1-Large"));
