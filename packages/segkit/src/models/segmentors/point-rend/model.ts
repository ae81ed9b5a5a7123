// PointRend (Kirillov et al. 2020) on Semantic FPN, as mmsegmentation's CascadeEncoderDecoder with
// [FPNHead, PointHead] composes it, in its checkpoints' layout ("backbone", "neck", "decode_head.0"
// the FPN head, "decode_head.1" the point head). Inference refines the FPN head's stride-4 logits by
// adaptive subdivision: subdivisionSteps times, upsample ×2 (bilinear) and replace the logits of the
// subdivisionNumPoints most uncertain cells by the point head's prediction from the finest neck level
// and the coarse logits sampled there. Training adds to the FPN head's loss a point loss on
// numPoints importance-sampled points (labels sampled nearest), the points chosen without gradient.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Config } from "../../../config/registry.js";
import type { Backbone } from "../../backbones/backbone.js";
import { pointSample } from "../../blocks/point-sample.js";
import { resize, spatial } from "../../blocks/resize.js";
import type { DecodeHead } from "../../heads/decode-head.js";
import type { PointHead } from "../../heads/point-head.js";
import { segmentationLoss, type SegmentationLoss } from "../../heads/segmentation-loss.js";
import type { Neck } from "../encoder-decoder/model.js";
import { Segmentor } from "../segmentor.js";
import { importancePoints, mostUncertainCells, type TrainPointOptions } from "./points.js";

export interface PointRendOptions extends Partial<TrainPointOptions> {
  backbone: Backbone;
  neck: Neck;
  /** The coarse head (Semantic FPN's), reading every neck level. */
  head: DecodeHead;
  pointHead: PointHead;
  /** Default 2. */
  subdivisionSteps?: number;
  /** Default 8196, as mmsegmentation's configs. */
  subdivisionNumPoints?: number;
  /** Default 1.0. */
  pointLossWeight?: number;
  pointLoss?: Config;
}

export class PointRend extends Segmentor {
  readonly backbone: Backbone;
  readonly neck: Neck;
  readonly decode_head: nn.ModuleList;
  readonly #head: DecodeHead;
  readonly #pointHead: PointHead;
  readonly #steps: number;
  readonly #subdivisionPoints: number;
  readonly #train: TrainPointOptions;
  readonly #pointLoss: SegmentationLoss;
  readonly #pointLossWeight: number;

  constructor(options: PointRendOptions) {
    const { head, subdivisionSteps = 2, subdivisionNumPoints = 8196, numPoints = 2048, oversampleRatio = 3, importanceSampleRatio = 0.75 } = options;
    super({ numClasses: head.numClasses, ignoreIndex: head.ignoreIndex });
    if (!(oversampleRatio >= 1)) throw new RangeError(`PointRend: oversampleRatio must be at least 1, got ${oversampleRatio}`);
    if (!(importanceSampleRatio >= 0 && importanceSampleRatio <= 1)) throw new RangeError(`PointRend: importanceSampleRatio must be within [0, 1], got ${importanceSampleRatio}`);
    for (const [key, value] of [["subdivisionSteps", subdivisionSteps], ["subdivisionNumPoints", subdivisionNumPoints], ["numPoints", numPoints]] as const) {
      if (!(Number.isInteger(value) && value >= (key === "subdivisionSteps" ? 0 : 1))) throw new RangeError(`PointRend: ${key} must be a ${key === "subdivisionSteps" ? "non-negative" : "positive"} integer, got ${value}`);
    }
    this.backbone = this.registerModule("backbone", options.backbone);
    this.neck = this.registerModule("neck", options.neck);
    this.decode_head = this.registerModule("decode_head", new nn.ModuleList([head, options.pointHead]));
    this.#head = head;
    this.#pointHead = options.pointHead;
    this.#steps = subdivisionSteps;
    this.#subdivisionPoints = subdivisionNumPoints;
    this.#train = { numPoints, oversampleRatio, importanceSampleRatio };
    this.#pointLoss = segmentationLoss(options.pointLoss, head.ignoreIndex, "model.pointLoss");
    this.#pointLossWeight = options.pointLossWeight ?? 1;
  }

  /** The point head's logits at `points` from the finest neck level and the coarse logits. */
  #pointLogits(features: Tensor[], coarse: Tensor, points: Tensor): Tensor {
    return this.#pointHead.call(pointSample(features[0], points), pointSample(coarse, points));
  }

  /** The coarse logits refined by adaptive subdivision, at 2^subdivisionSteps × their size. */
  refine(features: Tensor[], coarse: Tensor): Tensor {
    let refined = coarse;
    for (let step = 0; step < this.#steps; step++) {
      refined = resize(refined, spatial(refined).map((s) => s * 2));
      const [n, c, h, w] = refined.shape;
      const { indices, points } = mostUncertainCells(refined, this.#subdivisionPoints);
      const logits = this.#pointLogits(features, coarse, points);
      refined = refined.reshape([n, c, h * w]).scatter(2, indices.unsqueeze(1).expand([n, c, indices.shape[1]]), logits).reshape([n, c, h, w]);
    }
    return refined;
  }

  /** The neck's levels. */
  features(x: Tensor): Tensor[] {
    return this.neck.call(this.backbone.call(x));
  }

  /** The coarse head's logits (stride 4). */
  coarse(features: Tensor[]): Tensor {
    return this.#head.call(features);
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    const features = this.features(x);
    return resize(this.refine(features, this.coarse(features)), spatial(x));
  }

  /** The point head's loss at `points` (N, P, 2) against the labels sampled there (nearest). */
  pointLoss(features: Tensor[], coarse: Tensor, points: Tensor, target: Tensor): Tensor {
    const [n, p] = points.shape;
    const labels = pointSample(target.unsqueeze(1).to("float32"), points, "nearest").to("int64").reshape([n, p, 1]);
    const value = this.#pointLoss(this.#pointLogits(features, coarse, points).unsqueeze(3), labels);
    return this.#pointLossWeight === 1 ? value : value.mul(this.#pointLossWeight);
  }

  /** Training points for the coarse logits (drawn from the global generator, without gradient). */
  trainPoints(coarse: Tensor): Tensor {
    return torch.noGrad(() => importancePoints(coarse, this.#train));
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const features = this.features(x);
    const coarse = this.coarse(features);
    return { ...this.#head.loss(coarse, target), "point.loss": this.pointLoss(features, coarse, this.trainPoints(coarse), target) };
  }
}
