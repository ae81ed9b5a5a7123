// RoIAlign (Mask R-CNN, He et al. 2017) as torchvision's roi_align computes it, written with
// grid_sample: each output bin averages samplingRatio² bilinear samples (or an adaptive count per RoI); a sample more than one pixel
// outside the map counts as zero, one within that pixel reads the border (grid_sample's "border"
// padding, align_corners true, gives exactly that clamp). aligned false (torchvision's default and
// what MultiScaleRoIAlign uses) keeps the legacy geometry: no half-pixel shift, RoIs at least 1×1.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { byGroups, groupRows } from "./gather-groups.js";

export interface RoIAlignOptions {
  /** Output [height, width]. */
  outputSize: [number, number];
  /** Feature-map pixels per image pixel (1/stride). */
  spatialScale: number;
  /** Samples per bin along each axis; ≤ 0: adaptive, ⌈RoI side / output side⌉ per RoI and axis (torchvision's default). */
  samplingRatio: number;
  aligned?: boolean;
}

// RoIs sampled per grid_sample call: bounds the (C, RoIs, samples) intermediate.
const ROI_CHUNK = 128;

/** Features (N, C, H, W) pooled over `rois` (K, 5: image index, x1, y1, x2, y2): (K, C, outH, outW). */
export function roiAlign(input: Tensor, rois: Tensor, { outputSize, spatialScale, samplingRatio, aligned = false }: RoIAlignOptions): Tensor {
  if (!Number.isInteger(samplingRatio)) throw new RangeError(`roiAlign: samplingRatio must be an integer, got ${samplingRatio}`);
  if (input.ndim !== 4) throw new RangeError(`roiAlign: input must be (N, C, H, W), got [${input.shape}]`);
  if (rois.ndim !== 2 || rois.shape[1] !== 5) throw new RangeError(`roiAlign: rois must be (K, 5), got [${rois.shape}]`);
  const [, channels] = input.shape;
  if (rois.shape[0] === 0) return torch.zeros([0, channels, ...outputSize], { dtype: input.dtype });
  const imageOf = rois.select(1, 0).to("int64").toArray() as number[];
  const outside = imageOf.find((i) => i < 0 || i >= input.shape[0]);
  if (outside !== undefined) throw new RangeError(`roiAlign: a RoI names image ${outside}, but the input has ${input.shape[0]}`);
  const images = groupRows(imageOf);
  return byGroups(images, (image, rows) => {
    const feature = input.narrow(0, image, 1);
    const own = rois.indexSelect(0, rows);
    if (samplingRatio > 0) return alignInChunks(feature, own, outputSize, spatialScale, [samplingRatio, samplingRatio], aligned);
    // Adaptive: RoIs grouped by their [rows, columns] of samples per bin.
    const grids = adaptiveGrids(own, outputSize, spatialScale, aligned);
    const keys = [...new Set(grids)].sort((a, b) => a - b);
    return byGroups(groupRows(grids.map((k) => keys.indexOf(k))), (group, members) => {
      const key = keys[group];
      return alignInChunks(feature, own.indexSelect(0, members), outputSize, spatialScale, [Math.floor(key / GRID_KEY), key % GRID_KEY], aligned);
    });
  });
}

// [rows, columns] of an adaptive grid packed in one number: rows · GRID_KEY + columns.
const GRID_KEY = 1 << 16;

/** Per RoI, torchvision's adaptive samples per bin ⌈side / bins⌉ (in float32 as its kernel), packed. */
function adaptiveGrids(rois: Tensor, [outH, outW]: [number, number], scale: number, aligned: boolean): number[] {
  return torch.tidy(() => {
    const offset = aligned ? 0.5 : 0;
    const side = (from: number, to: number, bins: number) => {
      let length = rois.select(1, to).mul(scale).sub(offset).sub(rois.select(1, from).mul(scale).sub(offset));
      if (!aligned) length = length.clampMin(1);
      return length.div(bins).ceil().clampMin(1).to("int64");
    };
    return side(2, 4, outH).mul(GRID_KEY).add(side(1, 3, outW)).toArray();
  });
}

function alignInChunks(feature: Tensor, rois: Tensor, outputSize: [number, number], scale: number, ratio: [number, number], aligned: boolean): Tensor {
  const chunks: Tensor[] = [];
  for (let start = 0; start < rois.shape[0]; start += ROI_CHUNK) {
    chunks.push(alignOneImage(feature, rois.narrow(0, start, Math.min(ROI_CHUNK, rois.shape[0] - start)), outputSize, scale, ratio, aligned));
  }
  return torch.cat(chunks, 0);
}

/** Sample coordinates (K, bins·ratio) along one axis and whether each lies within [−1, size]. */
function sampleCoordinates(start: Tensor, end: Tensor, bins: number, ratio: number, size: number, aligned: boolean): [Tensor, Tensor] {
  let length = end.sub(start);
  if (!aligned) length = length.clampMin(1);
  const binSize = length.div(bins).unsqueeze(1);
  // Sample j of bin p sits at p + (j + 0.5) / ratio bin widths from the start.
  const steps = torch.arange(bins * ratio, { dtype: "float32" }).div(ratio).floor()
    .add(torch.arange(bins * ratio, { dtype: "float32" }).remainder(ratio).add(0.5).div(ratio));
  const at = start.unsqueeze(1).add(steps.unsqueeze(0).mul(binSize));
  return [at, at.ge(-1).logicalAnd(at.le(size))];
}

function alignOneImage(feature: Tensor, rois: Tensor, [outH, outW]: [number, number], scale: number, [ratioY, ratioX]: [number, number], aligned: boolean): Tensor {
  return torch.tidy(() => {
    const [, channels, height, width] = feature.shape;
    const k = rois.shape[0];
    const offset = aligned ? 0.5 : 0;
    const [x1, y1, x2, y2] = [1, 2, 3, 4].map((i) => rois.select(1, i).mul(scale).sub(offset));
    const [xs, xValid] = sampleCoordinates(x1, x2, outW, ratioX, width, aligned);
    const [ys, yValid] = sampleCoordinates(y1, y2, outH, ratioY, height, aligned);
    // Pixel coordinates to grid_sample's [−1, 1] (align_corners: −1 and 1 are the end pixels' centres).
    const gx = xs.div(Math.max(width - 1, 1)).mul(2).sub(1);
    const gy = ys.div(Math.max(height - 1, 1)).mul(2).sub(1);
    const rowsN = outH * ratioY;
    const colsN = outW * ratioX;
    const grid = torch.stack([gx.unsqueeze(1).expand([k, rowsN, colsN]), gy.unsqueeze(2).expand([k, rowsN, colsN])], -1).reshape([1, k * rowsN, colsN, 2]);
    // (1, C, K·rows, cols): RoI after RoI down the rows, so that each bin's ratioY × ratioX samples form one pooling window.
    let samples = nn.functional.gridSample(feature, grid, { mode: "bilinear", paddingMode: "border", alignCorners: true });
    // Clipped boxes (all of inference) sample only inside the map: no mask pass then.
    const valid = yValid.unsqueeze(2).logicalAnd(xValid.unsqueeze(1));
    if (!valid.all().item()) samples = samples.mul(valid.reshape([1, 1, k * rowsN, colsN]).to(feature.dtype));
    return torch.avgPool2d(samples, [ratioY, ratioX]).reshape([channels, k, outH, outW]).permute([1, 0, 2, 3]);
  });
}
