// RoIAlign over a feature pyramid, torchvision's MultiScaleRoIAlign: each box is pooled from the
// level the FPN paper's heuristic picks (k = ⌊4 + log2(√area / 224) + 1e-6⌋, clamped to the levels
// present), each level's scale inferred as the power of two nearest to its height over the largest
// image height. torchvision infers the scales on its first call and keeps them; this recomputes them
// on every call (the same when every batch has the same padded size).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { boxArea } from "./boxes.js";
import { byGroups, groupRows } from "./gather-groups.js";
import { roiAlign } from "./roi-align.js";

export interface MultiScaleRoIAlignOptions {
  /** Output side (square). */
  outputSize: number;
  samplingRatio: number;
  canonicalScale?: number;
  canonicalLevel?: number;
}

/** Level index (0 = finest of [kMin, kMax]) of each box (N, 4), in float32 as torchvision's LevelMapper. */
export function mapLevels(boxes: Tensor, kMin: number, kMax: number, canonicalScale = 224, canonicalLevel = 4): Tensor {
  return torch.tidy(() => boxArea(boxes).sqrt().div(canonicalScale).log2().add(canonicalLevel).add(1e-6)
    .floor().clamp(kMin, kMax).to("int64").sub(kMin));
}

/** The scale (1/stride) of a level of height `featureHeight` for images at most `imageHeight` tall. */
export function inferScale(featureHeight: number, imageHeight: number): number {
  return 2 ** Math.round(Math.log2(Math.fround(featureHeight / imageHeight)));
}

export class MultiScaleRoIAlign {
  readonly outputSize: number;
  readonly samplingRatio: number;
  readonly canonicalScale: number;
  readonly canonicalLevel: number;

  constructor({ outputSize, samplingRatio, canonicalScale = 224, canonicalLevel = 4 }: MultiScaleRoIAlignOptions) {
    this.outputSize = outputSize;
    this.samplingRatio = samplingRatio;
    this.canonicalScale = canonicalScale;
    this.canonicalLevel = canonicalLevel;
  }

  /** Pools `boxes` (one (Ni, 4) tensor per image, image coordinates) from `features`: (ΣNi, C, S, S). */
  forward(features: Tensor[], boxes: Tensor[], imageSizes: [number, number][]): Tensor {
    if (imageSizes.length === 0) throw new RangeError("MultiScaleRoIAlign: no image sizes");
    const maxHeight = Math.max(...imageSizes.map(([h]) => h));
    const scales = features.map((f) => inferScale(f.shape[2], maxHeight));
    const options = { outputSize: [this.outputSize, this.outputSize] as [number, number], samplingRatio: this.samplingRatio };
    return torch.tidy(() => {
      const rois = torch.cat(boxes.map((b, i) => torch.cat([torch.full([b.shape[0], 1], i, { dtype: b.dtype }), b], 1)), 0);
      if (features.length === 1) return roiAlign(features[0], rois, { ...options, spatialScale: scales[0] });
      if (rois.shape[0] === 0) return torch.zeros([0, features[0].shape[1], this.outputSize, this.outputSize], { dtype: features[0].dtype });
      const kMin = Math.trunc(-Math.log2(scales[0]));
      const kMax = Math.trunc(-Math.log2(scales[scales.length - 1]));
      const levels = mapLevels(torch.cat(boxes, 0), kMin, kMax, this.canonicalScale, this.canonicalLevel).toArray() as number[];
      return byGroups(groupRows(levels), (level, rows) => roiAlign(features[level], rois.indexSelect(0, rows), { ...options, spatialScale: scales[level] }));
    });
  }
}
