// YOLACT's prior boxes (yolact.py PredictionModule.make_priors): per prediction level, one prior per
// cell, scale and aspect ratio, in the order the head's output flattens (row, column, then the
// aspect-ratio list, scale and ratio), as (cx, cy, w, h) relative to the image. The released
// configs use pixel scales over max_size and, for a bug kept for their weights' sake, square priors
// (h = w); preapplySqrt says whether the ratios are already square roots.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export interface PriorOptions {
  /** Per level, lists of aspect ratios (yolact's pred_aspect_ratios). */
  aspectRatios: number[][][];
  /** Per level, the scales (pred_scales). */
  scales: number[][];
  /** The image side the pixel scales are relative to (max_size). */
  maxSize: number;
  usePixelScales: boolean;
  preapplySqrt: boolean;
  useSquareAnchors: boolean;
}

/** (P, 4) priors for prediction levels of [height, width] cells, level by level. */
export function yolactPriors(levels: [number, number][], o: PriorOptions): Tensor {
  if (levels.length !== o.aspectRatios.length || levels.length !== o.scales.length) {
    throw new Error(`yolact priors: ${levels.length} prediction levels but ${o.aspectRatios.length} aspect-ratio lists and ${o.scales.length} scale lists`);
  }
  const values: number[] = [];
  levels.forEach(([convH, convW], level) => {
    for (let j = 0; j < convH; j++) {
      for (let i = 0; i < convW; i++) {
        const x = (i + 0.5) / convW;
        const y = (j + 0.5) / convH;
        for (const ratios of o.aspectRatios[level]) {
          for (const scale of o.scales[level]) {
            for (const ratio of ratios) {
              const ar = o.preapplySqrt ? ratio : Math.sqrt(ratio);
              const w = o.usePixelScales ? (scale * ar) / o.maxSize : (scale * ar) / convW;
              const h = o.usePixelScales ? scale / ar / o.maxSize : scale / ar / convH;
              values.push(x, y, w, o.useSquareAnchors ? w : h);
            }
          }
        }
      }
    }
  });
  return torch.tensor(Float32Array.from(values), { shape: [values.length / 4, 4] });
}
