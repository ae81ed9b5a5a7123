// A SAM's sizes read off its checkpoint's shapes, so any checkpoint in the authors' layout (the
// official ViT-B/L/H, fine-tuned or reduced ones) builds the model it fits. The decoder's head count
// leaves no trace in the shapes: it is given (8 in every official checkpoint).
import type { Tensor } from "@segkit/torch";
import type { SamOptions } from "./sam.js";

function count(keys: Iterable<string>, pattern: RegExp): number {
  const found = new Set<number>();
  for (const key of keys) {
    const m = pattern.exec(key);
    if (m) found.add(Number(m[1]));
  }
  return found.size;
}

/** SamOptions for `state` (official key names); `source` names the checkpoint in errors. */
export function samOptionsFromCheckpoint(state: Map<string, Tensor>, source: string, decoderHeads = 8): SamOptions {
  const shape = (key: string): number[] => {
    const t = state.get(key);
    if (!t) throw new Error(`${source}: not a SAM checkpoint in the authors' layout (no "${key}")`);
    return t.shape;
  };
  const [embedDim, , patchSize] = shape("image_encoder.patch_embed.proj.weight");
  const grid = shape("image_encoder.pos_embed")[1];
  const depth = count(state.keys(), /^image_encoder\.blocks\.(\d+)\./);
  const headDim = shape("image_encoder.blocks.0.attn.rel_pos_h")[1];
  const spans = Array.from({ length: depth }, (_, i) => shape(`image_encoder.blocks.${i}.attn.rel_pos_h`)[0]);
  const globalAttnIndexes = spans.flatMap((span, i) => (span === 2 * grid - 1 ? [i] : []));
  const windowSpan = spans.find((span) => span !== 2 * grid - 1) ?? 2 * grid - 1;
  const promptEmbedDim = shape("image_encoder.neck.0.weight")[0];
  return {
    imgSize: grid * patchSize,
    promptEmbedDim,
    maskInChannels: shape("prompt_encoder.mask_downscaling.3.weight")[0],
    encoder: {
      embedDim, depth, numHeads: embedDim / headDim, globalAttnIndexes, windowSize: (windowSpan + 1) / 2, patchSize,
      mlpRatio: shape("image_encoder.blocks.0.mlp.lin1.weight")[0] / embedDim,
    },
    decoder: {
      depth: count(state.keys(), /^mask_decoder\.transformer\.layers\.(\d+)\./),
      numHeads: decoderHeads,
      mlpDim: shape("mask_decoder.transformer.layers.0.mlp.lin1.weight")[0],
      numMultimaskOutputs: shape("mask_decoder.mask_tokens.weight")[0] - 1,
      iouHeadDepth: count(state.keys(), /^mask_decoder\.iou_prediction_head\.layers\.(\d+)\./),
      iouHeadHiddenDim: shape("mask_decoder.iou_prediction_head.layers.0.weight")[0],
    },
  };
}
