// Layer-wise learning-rate decay (BEiT, Bao et al. 2022), as mmsegmentation's layer-decay optimizer
// constructors assign it. Each parameter gets a layer id and lr × rate^(top − id):
// - ViT backbones (LayerDecayOptimizerConstructor, get_layer_id_for_vit): with L blocks, the
//   embeddings (class token, position embedding, patch embedding) are layer 0, block i is layer
//   i + 1, everything else (neck, heads) layer L + 1; top = L + 1.
// - ConvNeXt backbones (LearningRateDecayOptimizerConstructor; numLayers is its num_layers, required,
//   top = numLayers + 1), with mmseg's names read in timm's: its downsample_layers.0 is segkit's
//   "stem", downsample_layers.i "stages.i.downsample", stages.i.j "stages.i.blocks.j".
//   "stage_wise" (get_stage_id_for_convnext, what its configs use): stem and downsamplings 0, stage i
//   i + 1, the rest (output norms, heads) top. "layer_wise" (get_layer_id_for_convnext): stem 0;
//   stage 0 1, stage 1 and the downsampling before it 2, stage 2 block j 3 + ⌊j / 3⌋ (its
//   downsampling 3), stage 3 and its downsampling numLayers; the rest top.
// - Swin backbones (SimMIM's get_swin_layer, microsoft/SimMIM optimizer.py, the Swin authors' fine-tuning
//   rule; mmseg has none): with depths d, patch embedding 0, stage i block j sum(d[:i]) + j + 1, a patch
//   merging sum(d[:i + 1]) for the stage i it ends (segkit's layers.i+1.downsample, timm's names), the
//   rest (output norms, heads) top = sum(d) + 1. Depths are counted from the parameter names.
import { checkKeys } from "../config/registry.js";

export interface LayerDecay {
  /** Factor per layer, in (0, 1]. */
  rate: number;
  /** ViT: blocks L (default: counted from the parameter names); ConvNeXt: mmseg's num_layers (required); Swin: not taken. */
  numLayers?: number;
  /** ConvNeXt only: "stage_wise" (default) or "layer_wise". */
  decayType?: "stage_wise" | "layer_wise";
}

const EMBEDDING = /^(backbone|encoder)\.(cls_token|pos_embed|patch_embed)\b/;
const BLOCK = /^(backbone|encoder)\.blocks\.(\d+)\./;
const CONVNEXT_STEM = /^backbone\.stem\./;
const CONVNEXT_DOWNSAMPLE = /^backbone\.stages\.(\d+)\.downsample\./;
const CONVNEXT_BLOCK = /^backbone\.stages\.(\d+)\.blocks\.(\d+)\./;

const SWIN_EMBEDDING = /^backbone\.patch_embed\./;
const SWIN_BLOCK = /^backbone\.layers\.(\d+)\.blocks\.(\d+)\./;
const SWIN_DOWNSAMPLE = /^backbone\.layers\.(\d+)\.downsample\./;

type LayerOf = (name: string) => number;

function vitLayers(names: string[], numLayers: number | undefined, where: string): { layerOf: LayerOf; top: number } | null {
  const blocks = names.map((n) => BLOCK.exec(n)).filter((m) => m !== null).map((m) => Number(m[2]));
  if (blocks.length === 0) return null;
  const layers = numLayers ?? Math.max(...blocks) + 1;
  if (!(Number.isInteger(layers) && layers >= 1)) throw new Error(`${where}: "numLayers" must be a positive integer, got ${JSON.stringify(numLayers)}`);
  const layerOf = (name: string): number => {
    if (EMBEDDING.test(name)) return 0;
    const block = BLOCK.exec(name);
    return block ? Number(block[2]) + 1 : layers + 1;
  };
  return { layerOf, top: layers + 1 };
}

function convnextLayers(names: string[], numLayers: number | undefined, decayType: string, where: string): { layerOf: LayerOf; top: number } | null {
  if (!names.some((n) => CONVNEXT_STEM.test(n)) || !names.some((n) => CONVNEXT_BLOCK.test(n))) return null;
  if (!(typeof numLayers === "number" && Number.isInteger(numLayers) && numLayers >= 4)) {
    throw new Error(`${where}: a ConvNeXt backbone needs "numLayers" (mmsegmentation's num_layers, an integer ≥ 4, e.g. 6 or 12), got ${JSON.stringify(numLayers)}`);
  }
  const top = numLayers + 1;
  const stageWise = (name: string): number => {
    if (CONVNEXT_STEM.test(name) || CONVNEXT_DOWNSAMPLE.test(name)) return 0;
    const block = CONVNEXT_BLOCK.exec(name);
    return block ? Number(block[1]) + 1 : top;
  };
  const layerWise = (name: string): number => {
    if (CONVNEXT_STEM.test(name)) return 0;
    const down = CONVNEXT_DOWNSAMPLE.exec(name);
    if (down) return [0, 2, 3, numLayers][Number(down[1])];
    const block = CONVNEXT_BLOCK.exec(name);
    if (!block) return top;
    const [stage, index] = [Number(block[1]), Number(block[2])];
    return [1, 2, 3 + Math.floor(index / 3), numLayers][stage];
  };
  return { layerOf: decayType === "layer_wise" ? layerWise : stageWise, top };
}

function swinLayers(names: string[], numLayers: number | undefined, where: string): { layerOf: LayerOf; top: number } | null {
  const blocks = names.map((n) => SWIN_BLOCK.exec(n)).filter((m) => m !== null);
  if (blocks.length === 0 || !names.some((n) => SWIN_EMBEDDING.test(n))) return null;
  if (numLayers !== undefined) throw new Error(`${where}: "numLayers" does not apply to a Swin backbone (its depths are read from the parameter names)`);
  const depths: number[] = [];
  for (const [, stage, block] of blocks) depths[Number(stage)] = Math.max(depths[Number(stage)] ?? 0, Number(block) + 1);
  const before = (stage: number): number => depths.slice(0, stage).reduce((a, b) => a + (b ?? 0), 0);
  const top = before(depths.length) + 1;
  const layerOf = (name: string): number => {
    if (SWIN_EMBEDDING.test(name)) return 0;
    const block = SWIN_BLOCK.exec(name);
    if (block) return before(Number(block[1])) + Number(block[2]) + 1;
    const down = SWIN_DOWNSAMPLE.exec(name);
    return down ? before(Number(down[1])) : top;
  };
  return { layerOf, top };
}

/** The lr factor of each parameter name, for a model whose ViT, ConvNeXt or Swin is its "backbone" (or Segmenter's ViT "encoder"). */
export function layerDecayScale(config: unknown, names: string[], where: string): (name: string) => number {
  const o = config as Record<string, unknown>;
  if (typeof o !== "object" || o === null) throw new Error(`${where}: expected { rate, numLayers?, decayType? }, got ${JSON.stringify(config)}`);
  checkKeys(o, ["rate", "numLayers", "decayType"], where);
  const { rate, numLayers, decayType } = o as unknown as LayerDecay;
  if (!(typeof rate === "number" && rate > 0 && rate <= 1)) throw new Error(`${where}: "rate" must be in (0, 1], got ${JSON.stringify(rate)}`);
  if (decayType !== undefined && decayType !== "stage_wise" && decayType !== "layer_wise") {
    throw new Error(`${where}: "decayType" must be "stage_wise" or "layer_wise", got ${JSON.stringify(decayType)}`);
  }
  const convnext = convnextLayers(names, numLayers, decayType ?? "stage_wise", where);
  if (!convnext && decayType !== undefined) throw new Error(`${where}: "decayType" applies to ConvNeXt backbones only`);
  const found = convnext ?? swinLayers(names, numLayers, where) ?? vitLayers(names, numLayers, where);
  if (!found) throw new Error(`${where}: layer-wise decay needs a ViT (parameters backbone.blocks.N.* or encoder.blocks.N.*), a ConvNeXt (backbone.stem.*, backbone.stages.N.blocks.M.*) or a Swin (backbone.patch_embed.*, backbone.layers.N.blocks.M.*), found none`);
  const { layerOf, top } = found;
  return (name) => rate ** (top - layerOf(name));
}
