// PoolFormer-S12…M48 as data (timm's poolformer_* widths, depths and layer-scale inits), as backbones
// and with Semantic FPN. Configs may override the widths and depths, as the tests do for reduced models.
import { register, type Builder } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { semanticFpn } from "../../segmentors/encoder-decoder/semantic-fpn.js";
import { PoolFormer, type PoolFormerOptions } from "./poolformer.js";

const S = [64, 128, 320, 512];
const M = [96, 192, 384, 768];
const S12: PoolFormerOptions = { embedDims: S, depths: [2, 2, 6, 2], layerScaleInit: 1e-5 };
const S24: PoolFormerOptions = { embedDims: S, depths: [4, 4, 12, 4], layerScaleInit: 1e-5 };
const S36: PoolFormerOptions = { embedDims: S, depths: [6, 6, 18, 6], layerScaleInit: 1e-6 };
const M36: PoolFormerOptions = { embedDims: M, depths: [6, 6, 18, 6], layerScaleInit: 1e-6 };
const M48: PoolFormerOptions = { embedDims: M, depths: [8, 8, 24, 8], layerScaleInit: 1e-6 };

const POOLFORMER_OPTIONS = ["embedDims", "depths", "layerScaleInit", "mlpRatio", "dropPathRate"];

function backbone(preset: PoolFormerOptions, summary: string): Builder<Backbone> {
  return { options: POOLFORMER_OPTIONS, summary, build: (o) => new PoolFormer({ ...preset, ...o } as PoolFormerOptions) };
}

register("backbone", "poolformer_s12", backbone(S12, "PoolFormer-S12 (Yu 2022), timm layout"));
register("backbone", "poolformer_s24", backbone(S24, "PoolFormer-S24 (Yu 2022), timm layout"));
register("backbone", "poolformer_s36", backbone(S36, "PoolFormer-S36 (Yu 2022), timm layout"));
register("backbone", "poolformer_m36", backbone(M36, "PoolFormer-M36 (Yu 2022), timm layout"));
register("backbone", "poolformer_m48", backbone(M48, "PoolFormer-M48 (Yu 2022), timm layout"));

register("model", "fpn_poolformer_s12", semanticFpn("poolformer_s12", POOLFORMER_OPTIONS, "Semantic FPN on PoolFormer-S12"));
register("model", "fpn_poolformer_s24", semanticFpn("poolformer_s24", POOLFORMER_OPTIONS, "Semantic FPN on PoolFormer-S24"));
register("model", "fpn_poolformer_s36", semanticFpn("poolformer_s36", POOLFORMER_OPTIONS, "Semantic FPN on PoolFormer-S36"));
register("model", "fpn_poolformer_m36", semanticFpn("poolformer_m36", POOLFORMER_OPTIONS, "Semantic FPN on PoolFormer-M36"));
register("model", "fpn_poolformer_m48", semanticFpn("poolformer_m48", POOLFORMER_OPTIONS, "Semantic FPN on PoolFormer-M48"));
