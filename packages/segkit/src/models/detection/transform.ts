// torchvision's GeneralizedRCNNTransform: each image normalised, resized so that its short side is
// minSize unless its long side would pass maxSize (the scale rounded as torchvision rounds it in
// float32; sizes floored), and the batch zero-padded at the bottom and right to a multiple of 32;
// afterwards boxes are scaled back and masks pasted at each image's original size.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resizeBoxes } from "./boxes.js";
import { pasteMasksInImage } from "./paste-masks.js";
import type { Detections } from "./roi-heads.js";

export interface TransformOptions {
  minSize: number;
  maxSize: number;
  imageMean: number[];
  imageStd: number[];
  sizeDivisible?: number;
}

export interface ImageBatch {
  /** (N, 3, H, W), padded. */
  tensors: Tensor;
  /** Each image's size [H, W] after resizing, before padding. */
  imageSizes: [number, number][];
}

/** The size [H, W] an image of `size` is resized to. */
export function resizedSize([h, w]: number[], minSize: number, maxSize: number): [number, number] {
  // torchvision computes min_size / short side as float32 reciprocal(short) × min_size (Tensor.__rtruediv__).
  const byShort = Math.fround(Math.fround(1 / Math.min(h, w)) * minSize);
  const byLong = Math.fround(Math.fround(1 / Math.max(h, w)) * maxSize);
  const scale = Math.min(byShort, byLong);
  return [Math.floor(h * scale), Math.floor(w * scale)];
}

export class GeneralizedRCNNTransform {
  readonly sizeDivisible: number;

  constructor(readonly options: TransformOptions) {
    this.sizeDivisible = options.sizeDivisible ?? 32;
  }

  /**
   * In training torchvision draws each image's target size from its list with one uniform draw
   * (torch_choice); with the one size here the draw is made and ignored, so that the generator stays
   * in step with torchvision's for the samplers that follow.
   */
  forward(images: Tensor[], training = false): ImageBatch {
    if (images.length === 0) throw new RangeError("GeneralizedRCNNTransform: no images");
    return torch.tidy(() => {
      const mean = torch.tensor(this.options.imageMean, { dtype: "float32" }).reshape([-1, 1, 1]);
      const std = torch.tensor(this.options.imageStd, { dtype: "float32" }).reshape([-1, 1, 1]);
      const resized = images.map((image, i) => {
        if (image.ndim !== 3) throw new RangeError(`image ${i}: expected (C, H, W), got [${image.shape}]`);
        if (!image.isFloatingPoint()) throw new TypeError(`image ${i}: expected floating point values in [0, 1], got ${image.dtype}`);
        if (training) torch.rand([1]);
        const size = resizedSize(image.shape.slice(1), this.options.minSize, this.options.maxSize);
        return torch.upsampleBilinear2d(image.sub(mean).div(std).unsqueeze(0), size, false).squeeze(0);
      });
      const d = this.sizeDivisible;
      const height = Math.ceil(Math.max(...resized.map((r) => r.shape[1])) / d) * d;
      const width = Math.ceil(Math.max(...resized.map((r) => r.shape[2])) / d) * d;
      const tensors = torch.stack(resized.map((r) => torch.constantPadNd(r, [0, width - r.shape[2], 0, height - r.shape[1]], 0)), 0);
      return { tensors, imageSizes: resized.map((r) => [r.shape[1], r.shape[2]] as [number, number]) };
    });
  }

  /** Detections back in each original image: boxes rescaled, masks pasted at the original size. */
  postprocess(detections: Detections[], imageSizes: [number, number][], originalSizes: [number, number][]): Detections[] {
    return torch.tidy(() => detections.map((d, i) => {
      const boxes = resizeBoxes(d.boxes, imageSizes[i], originalSizes[i]);
      return { ...d, boxes, masks: pasteMasksInImage(d.masks, boxes, originalSizes[i]) };
    }));
  }
}
