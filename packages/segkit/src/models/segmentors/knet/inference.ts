// K-Net's panoptic and instance inference for one image, from the last stage's sigmoid class scores
// (N+S, K) and masks at the output size. Panoptic, as the authors' get_panoptic/merge_stuff_thing: each
// thing kernel scores its best thing class, each stuff kernel its own class; every pixel goes to the
// kernel of the largest score × mask probability; kernels, best score first, become segments of the
// pixels they won, unless a thing scores below objectMaskThreshold (instance_score_thr) or the pixels
// won are less than overlapThreshold (overlap_thr) of the kernel's own mask (probability ≥ 0.5) or
// either is empty; pixels of dropped kernels stay void. Options and output are MaskFormer's
// (PanopticOptions).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { InstancePrediction, PanopticOptions, PanopticPrediction, PanopticSegment } from "../maskformer/inference.js";

/** The authors' merge_stuff_thing thresholds (instance_score_thr 0.3, overlap_thr 0.6). */
export const KNET_PANOPTIC_THRESHOLDS = { objectMaskThreshold: 0.3, overlapThreshold: 0.6 };

/** Panoptic segments from scores (N+S, K) and mask probabilities (N+S, H, W): `numProposals` thing kernels first, then one kernel per class of `stuffClasses`. */
export function kernelPanopticInference(scores: Tensor, probs: Tensor, numProposals: number, stuffClasses: number[], { isThing, objectMaskThreshold = 0, overlapThreshold = 0 }: PanopticOptions): PanopticPrediction {
  const numClasses = scores.shape[1];
  if (isThing.length !== numClasses) throw new RangeError(`kernelPanopticInference: isThing has ${isThing.length} entries for ${numClasses} classes`);
  const [h, w] = probs.shape.slice(1);
  const things = isThing.flatMap((t, c) => (t ? [c] : []));
  const [kernelScores, kernelLabels, winner, own] = torch.tidy(() => {
    const [s, l] = things.length === 0 ? [torch.zeros([numProposals]), torch.zeros([numProposals], { dtype: "int64" })]
      : scores.narrow(0, 0, numProposals).indexSelect(1, torch.tensor(things, { dtype: "int64" })).max(-1);
    const stuff = stuffClasses.map((c, k) => scores.select(0, numProposals + k).select(0, c).item());
    const all = [...s.toArray(), ...stuff];
    const [, best] = probs.mul(torch.tensor(all).view([-1, 1, 1])).max(0);
    return [all, [...l.toArray().map((i) => things[i]), ...stuffClasses], best.flatten().toTypedArray() as BigInt64Array, probs.ge(0.5).flatten(1).sum([1]).toArray()];
  });
  const won = new Array<number>(kernelScores.length).fill(0);
  winner.forEach((k) => { won[Number(k)]++; });
  const ids = new Int32Array(h * w);
  const segments: PanopticSegment[] = [];
  const idOf = new Map<number, number>();
  const order = kernelScores.map((_, k) => k).sort((a, b) => kernelScores[b] - kernelScores[a]);
  for (const k of order) {
    const thing = k < numProposals;
    if (thing && (things.length === 0 || kernelScores[k] < objectMaskThreshold)) continue;
    if (won[k] === 0 || own[k] === 0 || won[k] / own[k] < overlapThreshold) continue;
    const id = segments.length + 1;
    idOf.set(k, id);
    segments.push({ id, category: kernelLabels[k], isThing: thing });
  }
  winner.forEach((k, p) => { ids[p] = idOf.get(Number(k)) ?? 0; });
  return { ids, segments };
}

/** The topK (thing kernel, class) pairs by sigmoid score, highest first; thingsOnly drops classes it marks false. Scores as MaskFormer's instance inference. */
export function kernelInstanceInference(scores: Tensor, masks: Tensor, numProposals: number, topK: number, thingsOnly: boolean[] | null = null): InstancePrediction {
  const numClasses = scores.shape[1];
  return torch.tidy(() => {
    const flatScores = scores.narrow(0, 0, numProposals).flatten();
    const [topScores, topIndex] = flatScores.topk(Math.min(topK, flatScores.shape[0]));
    const flat = topIndex.toArray();
    const keep = flat.map((_, i) => i).filter((i) => thingsOnly === null || thingsOnly[flat[i] % numClasses]);
    const kernels = torch.tensor(Int32Array.from(keep, (i) => Math.floor(flat[i] / numClasses)), { dtype: "int64" });
    const chosen = masks.indexSelect(0, kernels);
    const binary = chosen.gt(0).to("float32");
    const maskScores = chosen.sigmoid().mul(binary).flatten(1).sum([1]).div(binary.flatten(1).sum([1]).add(1e-6));
    return {
      masks: binary,
      scores: topScores.indexSelect(0, torch.tensor(Int32Array.from(keep), { dtype: "int64" })).mul(maskScores).toTypedArray() as Float32Array,
      labels: Int32Array.from(keep, (i) => flat[i] % numClasses),
    };
  });
}
