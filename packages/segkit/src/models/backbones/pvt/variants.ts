// PVT v2-B0…B5 and B2-Li as data (timm's pvt_v2_b* widths, depths and MLP ratios), as backbones and
// with Semantic FPN. Configs may override the widths and depths, as the tests do for reduced models.
import { register, type Builder } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { semanticFpn } from "../../segmentors/encoder-decoder/semantic-fpn.js";
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
