// Panoptic samples as mask-classification targets: one (class, mask) pair per segment that is not
// a crowd region and has pixels left after the pipeline's transforms (the authors' panoptic dataset
// mapper), so that `segkit train` on panoptic data trains MaskFormer on its instances.
import * as torch from "@segkit/torch";
import type { PanopticTarget } from "../data/segments/types.js";
import type { MaskTarget } from "../models/segmentors/maskformer/mask-matcher.js";
import type { Segmentor, TrainOutput } from "../models/segmentors/segmentor.js";

interface SegmentTrainer {
  forwardTrainSegments(x: torch.Tensor, targets: MaskTarget[]): TrainOutput;
}

/** Whether the model trains on per-segment targets (mask classification) rather than on the label map alone. */
export function trainsOnSegments(model: Segmentor): model is Segmentor & SegmentTrainer {
  return typeof (model as Partial<SegmentTrainer>).forwardTrainSegments === "function";
}

/** Per sample (of `size`, the batch's image size): its segments' classes and (M, H, W) float masks, on `device`. */
export function panopticMaskTargets(panoptic: PanopticTarget[], size: [number, number], device = "cpu"): MaskTarget[] {
  return panoptic.map(({ ids, segments }) => torch.tidy(() => {
    if (ids.length !== size[0] * size[1]) throw new RangeError(`panoptic target: ${ids.length} segment ids for a ${size[0]}×${size[1]} image`);
    const kept = segments.filter((s) => !s.iscrowd && s.area > 0);
    const map = torch.tensor(ids, { shape: size });
    return {
      labels: torch.toDevice(torch.tensor(kept.map((s) => s.category), { dtype: "int64" }), device),
      masks: torch.toDevice(map.unsqueeze(0).eq(torch.tensor(Int32Array.from(kept, (s) => s.id), { shape: [kept.length, 1, 1] })).to("float32"), device),
    };
  }));
}
