// "Segment everything" (the authors' SamAutomaticMaskGenerator): SAM prompted by a grid of single
// points over the image and over overlapping crops, three masks per point; masks kept by predicted
// IoU and stability score, those cut by a crop's inner edge dropped, duplicates removed by box NMS
// within each crop and then across crops (preferring smaller crops), optionally small islands and
// holes removed; each mask returned as an uncompressed RLE with its box, scores and prompt.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Sam } from "./sam.js";
import { SamPredictor } from "./predictor.js";
import { scaleCoords } from "./resize-longest-side.js";
import { cropBoxes, layerPointGrids } from "./point-grids.js";
import { maskBoxes } from "./mask-boxes.js";
import { nms as boxNms } from "../detection/nms.js";
import { rleArea, rleDecode, type Rle } from "@segkit/metrics";
import { masksToRle } from "./mask-rle.js";
import { stabilityScore } from "./stability-score.js";
import { removeSmallRegions } from "./small-regions.js";

export interface AutomaticMaskOptions {
  /** Grid points per side of the whole image (default 32). */
  pointsPerSide?: number;
  /** Points decoded at once (default 64). */
  pointsPerBatch?: number;
  /** Keep masks whose predicted IoU exceeds this (default 0.88; 0 keeps all). */
  predIouThresh?: number;
  /** Keep masks whose stability score reaches this (default 0.95; 0 keeps all). */
  stabilityScoreThresh?: number;
  /** Logit offset of the stability score's two thresholds (default 1). */
  stabilityScoreOffset?: number;
  /** Box IoU above which NMS drops a duplicate within a crop (default 0.7). */
  boxNmsThresh?: number;
  /** Crop layers beyond the whole image; layer i has (2^i)² crops (default 0). */
  cropNLayers?: number;
  /** Box IoU for NMS across crops (default 0.7). */
  cropNmsThresh?: number;
  /** Overlap of the first layer's crops, as a fraction of the image's short side (default 512 / 1500). */
  cropOverlapRatio?: number;
  /** Points per side shrink by this factor per crop layer (default 1). */
  cropNPointsDownscaleFactor?: number;
  /** Remove islands and fill holes smaller than this many pixels (default 0: off). */
  minMaskRegionArea?: number;
}

export interface MaskRecord {
  segmentation: Rle;
  area: number;
  /** x, y, width, height. */
  bbox: [number, number, number, number];
  predictedIou: number;
  /** The point prompt that gave the mask, in image pixels. */
  pointCoords: [number, number][];
  stabilityScore: number;
  /** x, y, width, height of the crop the mask was found in. */
  cropBox: [number, number, number, number];
}

interface Candidate {
  rle: Rle;
  /** x0, y0, x1, y1 in the image. */
  box: [number, number, number, number];
  iou: number;
  point: [number, number];
  stability: number;
  crop: [number, number, number, number];
}

const DEFAULTS: Required<AutomaticMaskOptions> = {
  pointsPerSide: 32, pointsPerBatch: 64, predIouThresh: 0.88, stabilityScoreThresh: 0.95, stabilityScoreOffset: 1, boxNmsThresh: 0.7,
  cropNLayers: 0, cropNmsThresh: 0.7, cropOverlapRatio: 512 / 1500, cropNPointsDownscaleFactor: 1, minMaskRegionArea: 0,
};

/** A crop's inner edges: boxes within 20 pixels of a crop edge that is not also an image edge. */
const CROP_EDGE_TOLERANCE = 20;

const toXywh = ([x0, y0, x1, y1]: number[]): [number, number, number, number] => [x0, y0, x1 - x0, y1 - y0];

function boxesTensor(candidates: Candidate[]): Tensor {
  return torch.tensor(candidates.length > 0 ? candidates.map((c) => c.box) : [[0, 0, 0, 0]]).slice(0, 0, candidates.length);
}

export class SamAutomaticMaskGenerator {
  readonly options: Required<AutomaticMaskOptions>;
  readonly #predictor: SamPredictor;
  readonly #grids: number[][][];

  constructor(readonly model: Sam, options: AutomaticMaskOptions = {}) {
    for (const key of Object.keys(options)) {
      if (!Object.hasOwn(DEFAULTS, key)) throw new RangeError(`SamAutomaticMaskGenerator: unknown option "${key}" (options: ${Object.keys(DEFAULTS).join(", ")})`);
    }
    this.options = { ...DEFAULTS, ...options };
    const { pointsPerSide, pointsPerBatch, cropNLayers, cropNPointsDownscaleFactor } = this.options;
    for (const [name, value] of Object.entries({ pointsPerSide, pointsPerBatch, cropNPointsDownscaleFactor })) {
      if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`SamAutomaticMaskGenerator: ${name} must be a positive integer, got ${value}`);
    }
    if (!(Number.isInteger(cropNLayers) && cropNLayers >= 0)) throw new RangeError(`SamAutomaticMaskGenerator: cropNLayers must be a non-negative integer, got ${cropNLayers}`);
    this.#predictor = new SamPredictor(model);
    this.#grids = layerPointGrids(pointsPerSide, cropNLayers, cropNPointsDownscaleFactor);
  }

  /**
   * Masks of everything in an RGB image (H, W, 3) uint8. `encoded`: a predictor whose image is this
   * image (e.g. the one answering clicks); its embedding serves the whole-image crop, so the encoder
   * does not run again, and it stays set.
   */
  generate(image: Tensor, encoded?: SamPredictor): MaskRecord[] {
    if (image.ndim !== 3 || image.shape[2] !== 3 || image.dtype !== "uint8") {
      throw new RangeError(`SamAutomaticMaskGenerator: expected an RGB uint8 image (H, W, 3), got ${image.dtype} [${image.shape.join(", ")}]`);
    }
    const size = [image.shape[0], image.shape[1]];
    if (encoded && !(encoded.hasImage && encoded.model === this.model && encoded.originalSize[0] === size[0] && encoded.originalSize[1] === size[1])) {
      throw new RangeError(`SamAutomaticMaskGenerator.generate: encoded must be a predictor of this model set to this ${size[1]}×${size[0]} image`);
    }
    const crops = cropBoxes(size, this.options.cropNLayers, this.options.cropOverlapRatio);
    let candidates = crops.flatMap(({ box, layer }) => this.#processCrop(image, box, layer, size, layer === 0 ? encoded : undefined));
    if (crops.length > 1) {
      // Prefer masks from smaller crops.
      const keep = torch.tidy(() => boxNms(boxesTensor(candidates), torch.tensor(candidates.map((c) => (c.crop[2] - c.crop[0]) * (c.crop[3] - c.crop[1])), { dtype: "int64" }).reciprocal(), this.options.cropNmsThresh));
      candidates = keep.map((i) => candidates[i]);
    }
    if (this.options.minMaskRegionArea > 0) candidates = this.#removeSmallRegions(candidates, size);
    return candidates.map((c) => ({
      segmentation: c.rle, area: rleArea(c.rle), bbox: toXywh(c.box), predictedIou: c.iou, pointCoords: [c.point], stabilityScore: c.stability, cropBox: toXywh(c.crop),
    }));
  }

  #processCrop(image: Tensor, crop: [number, number, number, number], layer: number, size: number[], encoded: SamPredictor | undefined): Candidate[] {
    const [x0, y0, x1, y1] = crop;
    const predictor = encoded ?? this.#predictor;
    if (!encoded) {
      const cropped = torch.tidy(() => image.slice(0, y0, y1).slice(1, x0, x1).contiguous());
      try {
        predictor.setImage(cropped);
      } finally {
        cropped.dispose();
      }
    }
    const cropSize = [y1 - y0, x1 - x0];
    const points = this.#grids[layer].map(([x, y]) => [x * cropSize[1], y * cropSize[0]]);
    const found: Candidate[] = [];
    for (let start = 0; start < points.length; start += this.options.pointsPerBatch) {
      found.push(...this.#processBatch(predictor, points.slice(start, start + this.options.pointsPerBatch), cropSize, crop, size));
    }
    if (!encoded) predictor.reset();
    const keep = torch.tidy(() => boxNms(boxesTensor(found), torch.tensor(Float32Array.from(found.map((c) => c.iou))), this.options.boxNmsThresh));
    // Back to the image's frame.
    return keep.map((i) => found[i]).map((c) => ({
      ...c, box: [c.box[0] + x0, c.box[1] + y0, c.box[2] + x0, c.box[3] + y0], point: [c.point[0] + x0, c.point[1] + y0], crop,
    }));
  }

  /** Masks for a batch of points (crop pixels): filtered, thresholded, boxed (crop frame) and run-length encoded in the image's frame. */
  #processBatch(predictor: SamPredictor, points: number[][], cropSize: number[], crop: [number, number, number, number], [height, width]: number[]): Candidate[] {
    const { predIouThresh, stabilityScoreThresh, stabilityScoreOffset } = this.options;
    const threshold = this.model.maskThreshold;
    return torch.tidy(() => {
      // The reference keeps the transformed points in float64 until the position encoding.
      const coords = torch.tensor(scaleCoords(points, cropSize, this.model.imgSize), { dtype: "float64" }).unsqueeze(1);
      const labels = torch.ones([points.length, 1], { dtype: "int32" });
      const { logits, iou } = predictor.predictInputFrame({ points: { coords, labels } }, true);
      const perPoint = logits.shape[1];
      let masks = logits.flatten(0, 1);
      let scores = iou.flatten(0, 1);
      let index = torch.arange(masks.shape[0]);
      const select = (keep: Tensor) => {
        const kept = keep.nonzero().flatten();
        masks = masks.indexSelect(0, kept);
        scores = scores.indexSelect(0, kept);
        index = index.indexSelect(0, kept);
      };
      if (predIouThresh > 0) select(scores.gt(predIouThresh));
      let stability = stabilityScore(masks, threshold, stabilityScoreOffset);
      if (stabilityScoreThresh > 0) {
        const keep = stability.ge(stabilityScoreThresh).nonzero().flatten();
        select(stability.ge(stabilityScoreThresh));
        stability = stability.indexSelect(0, keep);
      }
      let binary = masks.gt(threshold);
      let boxes = maskBoxes(binary);
      // Drop masks cut by the crop's inner edges (near a crop edge that is not an image edge).
      const imageBoxes = boxes.add(torch.tensor([[crop[0], crop[1], crop[0], crop[1]]], { dtype: "int64" })).to("float32");
      const near = (edge: number[]) => imageBoxes.sub(torch.tensor([edge])).abs().le(CROP_EDGE_TOLERANCE);
      const cut = near(crop).logicalAnd(near([0, 0, width, height]).logicalNot()).any(1);
      const kept = cut.logicalNot().nonzero().flatten();
      binary = binary.indexSelect(0, kept);
      boxes = boxes.indexSelect(0, kept);
      const [ious, stabilities, sources, boxList] = [scores, stability, index].map((t) => t.indexSelect(0, kept).toArray()).concat([boxes.toArray()]) as number[][];
      // Into the image's frame: zero padding around the crop.
      const full = torch.constantPadNd(binary.to("uint8"), [crop[0], width - crop[2], crop[1], height - crop[3]], 0);
      const rles = masksToRle(full);
      return rles.map((rle, i): Candidate => ({
        rle, box: boxList.slice(4 * i, 4 * i + 4) as [number, number, number, number], iou: ious[i], stability: stabilities[i],
        point: points[Math.trunc(sources[i] / perPoint)] as [number, number], crop,
      }));
    });
  }

  /** Islands and holes under minMaskRegionArea removed; NMS again, preferring unchanged masks. */
  #removeSmallRegions(candidates: Candidate[], size: number[]): Candidate[] {
    if (candidates.length === 0) return candidates;
    const area = this.options.minMaskRegionArea;
    const cleaned = candidates.map((c) => {
      const holes = removeSmallRegions(rleDecode(c.rle), size, area, "holes");
      const islands = removeSmallRegions(holes.mask, size, area, "islands");
      return { mask: islands.mask, unchanged: !holes.changed && !islands.changed };
    });
    const nmsThresh = Math.max(this.options.boxNmsThresh, this.options.cropNmsThresh);
    return torch.tidy(() => {
      const masks = torch.stack(cleaned.map(({ mask }) => torch.tensor(mask, { shape: size }))).to("bool");
      const boxes = maskBoxes(masks);
      const keep = boxNms(boxes, torch.tensor(cleaned.map((c) => (c.unchanged ? 1 : 0)), { dtype: "float32" }), nmsThresh);
      const boxList = boxes.toArray();
      return keep.map((i) => {
        if (cleaned[i].unchanged) return candidates[i];
        const [rle] = masksToRle(masks.select(0, i).unsqueeze(0));
        return { ...candidates[i], rle, box: boxList.slice(4 * i, 4 * i + 4) as [number, number, number, number] };
      });
    });
  }

  /** Frees the predictor's cached embedding (the model stays the caller's). */
  dispose(): void {
    this.#predictor.dispose();
  }
}
