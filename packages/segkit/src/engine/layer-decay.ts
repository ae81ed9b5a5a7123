// Layer-wise learning-rate decay for ViT backbones (BEiT, Bao et al. 2022; mmsegmentation's
// LayerDecayOptimizerConstructor with get_layer_id_for_vit): with L blocks, the embeddings (class
// token, position embedding, patch embedding) are layer 0, block i is layer i + 1, everything else
// (neck, heads) layer L + 1, and a parameter of layer id gets lr × rate^(L + 1 − id).
import { checkKeys } from "../config/registry.js";

export interface LayerDecay {
  /** Factor per layer, in (0, 1]. */
  rate: number;
  /** Blocks L (default: counted from the parameter names). */
  numLayers?: number;
}

const EMBEDDING = /^(backbone|encoder)\.(cls_token|pos_embed|patch_embed)\b/;
const BLOCK = /^(backbone|encoder)\.blocks\.(\d+)\./;

/** The lr factor of each parameter name, for a model whose ViT is its "backbone" (or Segmenter's "encoder"). */
export function layerDecayScale(config: unknown, names: string[], where: string): (name: string) => number {
  const o = config as Record<string, unknown>;
  if (typeof o !== "object" || o === null) throw new Error(`${where}: expected { rate, numLayers? }, got ${JSON.stringify(config)}`);
  checkKeys(o, ["rate", "numLayers"], where);
  const { rate, numLayers } = o as unknown as LayerDecay;
  if (!(typeof rate === "number" && rate > 0 && rate <= 1)) throw new Error(`${where}: "rate" must be in (0, 1], got ${JSON.stringify(rate)}`);
  const blocks = names.map((n) => BLOCK.exec(n)).filter((m) => m !== null).map((m) => Number(m[2]));
  if (blocks.length === 0) throw new Error(`${where}: layer-wise decay needs a ViT (parameters backbone.blocks.N.* or encoder.blocks.N.*), found none`);
  const layers = numLayers ?? Math.max(...blocks) + 1;
  if (!(Number.isInteger(layers) && layers >= 1)) throw new Error(`${where}: "numLayers" must be a positive integer, got ${JSON.stringify(numLayers)}`);
  const layerOf = (name: string): number => {
    if (EMBEDDING.test(name)) return 0;
    const block = BLOCK.exec(name);
    return block ? Number(block[2]) + 1 : layers + 1;
  };
  return (name) => rate ** (layers + 1 - layerOf(name));
}
