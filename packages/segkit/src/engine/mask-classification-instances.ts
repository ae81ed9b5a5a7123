// A mask-classification model (MaskFormer, Mask2Former, K-Net panoptic: a segmentor with
// predictInstances) as an InstanceModel, so that `segkit predict|test|eval --task instance` run it
// through the same instance engine as Mask R-CNN (instance-predict.ts, instance-evaluate.ts). Each
// RGB image goes through the config's test pipeline as `segkit predict` prepares it; the model's top
// (query or kernel, class) pairs of thing classes become detections at the image's size: label l in
// 1..T stands for the l-th thing class in class order (0 the background, the instance models'
// convention), the box encloses the mask (pycocotools' toBbox: last pixel + 1).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build } from "../config/registry.js";
import type { Dataset, Transform } from "../data/types.js";
import type { InstanceModel } from "../models/detection/instance-model.js";
import type { Detections } from "../models/detection/roi-heads.js";
import { maskBoxes } from "../models/sam/mask-boxes.js";
import type { InstancePrediction } from "../models/segmentors/maskformer/inference.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import type { ClassInfo } from "./class-info.js";
import type { LoadedInstanceModel } from "./instance-predict.js";
import { loadCheckpointWeights, predictionClasses } from "./load.js";
import { atImageSize, predictionPipeline, prepare } from "./predict.js";
import type { RunConfig } from "./run-config.js";

/** Detections kept per image: Mask2Former's instance test setting (max_per_image), also COCO AP's maxDets. */
export const INSTANCES_PER_IMAGE = 100;

interface InstanceInference {
  predictInstances(x: Tensor, topK: number, thingsOnly: boolean[] | null): InstancePrediction[];
  /** K-Net's stuff kernels' classes: every other class is a thing. */
  readonly stuffClasses?: number[];
}

export class MaskClassificationInstances extends nn.Module implements InstanceModel {
  readonly segmentor: Segmentor & InstanceInference;
  /** The thing classes and the background. */
  readonly numClasses: number;
  readonly #labelOf: Map<number, number>;
  readonly #isThing: boolean[];
  readonly #pipeline: Transform;

  /** `things`: the segmentor's thing classes, in class order; `pipeline`: from predictionPipeline. */
  constructor(segmentor: Segmentor & InstanceInference, things: number[], pipeline: Transform) {
    super();
    this.segmentor = this.registerModule("segmentor", segmentor);
    this.numClasses = things.length + 1;
    this.#labelOf = new Map(things.map((c, k) => [c, k + 1]));
    this.#isThing = Array.from({ length: segmentor.numClasses }, (_, c) => this.#labelOf.has(c));
    this.#pipeline = pipeline;
  }

  /** Detections of each RGB image (3, H, W) in [0, 1] (bytes / 255, as detectInstances gives them), most confident first. */
  forward(images: Tensor[]): Detections[] {
    return images.map((image) => this.#detect(image));
  }

  #detect(image: Tensor): Detections {
    const [, height, width] = image.shape;
    const pixels = torch.tidy(() => image.permute([1, 2, 0]).mul(255).round().clamp(0, 255).to("uint8").contiguous().toTypedArray() as Uint8Array);
    const { batch, window } = prepare({ width, height, pixels, meta: { file: "image", size: [height, width] } }, this.#pipeline);
    try {
      return torch.tidy(() => {
        const [found] = this.segmentor.predictInstances(batch, INSTANCES_PER_IMAGE, this.#isThing);
        // Most confident first, as the instance models give them (the pairs come in class-score order).
        const [scores, order] = torch.tensor(found.scores).sort(0, true);
        const masks = atImageSize(found.masks.indexSelect(0, order).unsqueeze(0), window, { width, height }).squeeze(0).gt(0.5);
        // maskBoxes gives the last pixel; COCO's box ends one past it (nothing for an empty mask).
        const boxes = maskBoxes(masks).to("float32");
        const end = masks.flatten(1).amax(-1).to("float32");
        return {
          boxes: boxes.add(torch.stack([torch.zerosLike(end), torch.zerosLike(end), end, end], 1)),
          labels: torch.tensor(Int32Array.from(found.labels, (c) => this.#labelOf.get(c)!), { dtype: "int64" }).indexSelect(0, order),
          scores,
          masks: masks.to("float32").unsqueeze(1),
        };
      });
    } finally {
      batch.dispose();
    }
  }
}

/**
 * The segmentor's thing classes: the config's validation dataset's (isThing; every class when it does
 * not say), which a K-Net's stuff kernels must leave; a K-Net's own when the dataset cannot be built.
 */
function thingClasses(model: Segmentor & InstanceInference, config: RunConfig): number[] {
  const own = model.stuffClasses && Array.from({ length: model.numClasses }, (_, c) => c).filter((c) => !model.stuffClasses!.includes(c));
  let dataset: Dataset & { isThing?: boolean[] };
  try {
    dataset = build<Dataset & { isThing?: boolean[] }>("dataset", config.data.val.dataset, "config.data.val.dataset");
  } catch (e) {
    if (own) return own;
    throw new Error(`config.model ${String(config.model.type)}: the config's validation dataset says which classes are things, and it cannot be built: ${(e as Error).message}`);
  }
  const things = dataset.classes.map((_, c) => c).filter((c) => dataset.isThing?.[c] ?? true);
  if (dataset.classes.length !== model.numClasses) throw new Error(`config.data.val.dataset has ${dataset.classes.length} classes but config.model predicts ${model.numClasses}`);
  if (own && own.join() !== things.join()) throw new Error(`config.model ${String(config.model.type)}: its stuffClasses leave things [${own.join(", ")}] but config.data.val.dataset's things are [${things.join(", ")}]`);
  return things;
}

/** Whether the segmentor has instance inference (predictInstances). */
function hasInstanceInference(model: Segmentor): model is Segmentor & InstanceInference {
  return typeof (model as Partial<InstanceInference>).predictInstances === "function";
}

/** The config's segmentor with a checkpoint's weights as an instance model; a segmentor without instance inference is refused by name. */
export function loadMaskClassificationInstances(config: RunConfig, checkpoint: string): LoadedInstanceModel {
  const segmentor = build<Segmentor>("model", config.model, "config.model");
  try {
    if (!hasInstanceInference(segmentor)) {
      throw new Error(`config.model ${String(config.model.type)} predicts semantic labels only: --task instance needs an instance model (Mask R-CNN, YOLACT) or a mask-classification model (MaskFormer, Mask2Former, K-Net panoptic)`);
    }
    const stored = loadCheckpointWeights(segmentor, checkpoint, segmentor.numClasses);
    const all: ClassInfo = predictionClasses({ model: segmentor, classes: stored }, config, checkpoint);
    const things = thingClasses(segmentor, config);
    const model = new MaskClassificationInstances(segmentor, things, predictionPipeline(config.data.val.pipeline)).eval();
    return { model, classes: { classes: things.map((c) => all.classes[c]), palette: things.map((c) => all.palette[c]) } };
  } catch (e) {
    segmentor.dispose();
    throw e;
  }
}
