// Panoptic quality of a model's own predictions: a mask-classification model (MaskFormer) predicts
// each image of a panoptic dataset (the config's val data, through its pipeline) with predictPanoptic,
// and its segments are scored against the dataset's (panopticapi's PQ, @segkit/metrics), so that
// `segkit eval --task panoptic --config C --checkpoint W` needs no exported PNGs.
import * as torch from "@segkit/torch";
import { PanopticQuality, type PanopticMap } from "@segkit/metrics";
import { DataLoader } from "../data/loader/data-loader.js";
import type { PanopticDataset, SegmentInfo } from "../data/segments/types.js";
import type { PanopticOptions, PanopticPrediction } from "../models/segmentors/maskformer/inference.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import type { CocoPanopticEvaluation } from "./coco-panoptic-eval.js";
import { loadModel } from "./load.js";
import type { RunConfig } from "./run-config.js";

interface PanopticPredictor {
  predictPanoptic(x: torch.Tensor, options: PanopticOptions): PanopticPrediction[];
  /** The model's own inference thresholds (K-Net's), used when the caller gives none. */
  panopticThresholds?: Omit<PanopticOptions, "isThing">;
}

function asMap(ids: ArrayLike<number>, segments: Pick<SegmentInfo, "id" | "category">[]): PanopticMap {
  return { ids, segments: new Map(segments.map((s) => [s.id, { category: s.category }])) };
}

/** PQ of the checkpoint's predictPanoptic on the config's val data; thresholds the model's own or else MaskFormer's COCO panoptic inference's (0.8, 0.8) by default. */
export async function evaluateModelPanoptic(config: RunConfig, checkpoint: string, thresholds?: Omit<PanopticOptions, "isThing">): Promise<CocoPanopticEvaluation> {
  const { model } = loadModel(config, checkpoint);
  const loader = new DataLoader({ ...config.data.val, shuffle: false, workers: 0 });
  try {
    if (typeof (model as Partial<PanopticPredictor>).predictPanoptic !== "function") throw new Error(`config.model ${String(config.model.type)}: the model has no panoptic inference (predictPanoptic)`);
    const dataset = loader.dataset as Partial<PanopticDataset>;
    if (!Array.isArray(dataset.isThing)) throw new Error(`config.data.val.dataset ${String(config.data.val.dataset.type)}: not a panoptic dataset (no things and stuff)`);
    const isThing = dataset.isThing;
    const pq = new PanopticQuality({ numCategories: isThing.length, things: isThing.flatMap((t, c) => (t ? [c] : [])) });
    let images = 0;
    model.eval();
    for await (const batch of loader.epoch(0)) {
      try {
        if (batch.panoptic === null) throw new Error(`config.data.val: a batch of ${batch.meta[0]?.file} has no panoptic segments`);
        const predictor = model as Segmentor & PanopticPredictor;
        const predicted = predictor.predictPanoptic(batch.images, { isThing, ...(thresholds ?? predictor.panopticThresholds ?? { objectMaskThreshold: 0.8, overlapThreshold: 0.8 }) });
        predicted.forEach((p, b) => pq.updateSegments(asMap(p.ids, p.segments), asMap(batch.panoptic![b].ids, batch.panoptic![b].segments.filter((s) => s.area > 0))));
        images += predicted.length;
      } finally {
        batch.images.dispose();
        batch.labels.dispose();
      }
    }
    const categories = loader.dataset.classes.map((name, c) => ({ id: c, name, isThing: isThing[c] }));
    return { result: pq.result(), categories, images };
  } finally {
    await loader.close();
    model.dispose();
  }
}
