// K-Net's panoptic and instance inference for one image, from the last stage's sigmoid class scores
// (N+S, K) and mask logits (N+S, H, W) at the output size, as the authors merge things and stuff:
// each thing kernel scores its best thing class and each stuff kernel its own class; things, best
// first, take the free pixels of their mask (sigmoid ≥ 0.5), then stuff kernels share what is left,
// a pixel going to the largest score × sigmoid mask where that mask is ≥ 0.5. Options and output are
// MaskFormer's (PanopticOptions), with the same meaning; objectMaskThreshold applies to things, stuff
// kernels need a score above STUFF_SCORE_THRESHOLD (the authors' stuff_score_thr). The authors'
// minimum stuff area (4096 pixels at COCO's scale) is not applied.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { InstancePrediction, PanopticOptions, PanopticPrediction, PanopticSegment } from "../maskformer/inference.js";

/** The authors' stuff_score_thr. */
const STUFF_SCORE_THRESHOLD = 0.05;

/** The authors' thresholds (instance_score_thr 0.3; overlap_thr 0.6 drops a thing over 60% covered, so 40% must be free). */
export const KNET_PANOPTIC_THRESHOLDS = { objectMaskThreshold: 0.3, overlapThreshold: 0.4 };

/** Panoptic segments: `numProposals` thing kernels first, then one kernel per class of `stuffClasses`. */
export function kernelPanopticInference(scores: Tensor, masks: Tensor, numProposals: number, stuffClasses: number[], { isThing, objectMaskThreshold = 0, overlapThreshold = 0 }: PanopticOptions): PanopticPrediction {
  const numClasses = scores.shape[1];
  if (isThing.length !== numClasses) throw new RangeError(`kernelPanopticInference: isThing has ${isThing.length} entries for ${numClasses} classes`);
  const [h, w] = masks.shape.slice(1);
  const ids = new Int32Array(h * w);
  const segments: PanopticSegment[] = [];
  const things = isThing.flatMap((t, c) => (t ? [c] : []));
  const [thingScores, thingLabels, stuffScores] = torch.tidy(() => {
    const [s, l] = things.length === 0 ? [torch.zeros([numProposals]), torch.zeros([numProposals], { dtype: "int64" })]
      : scores.narrow(0, 0, numProposals).indexSelect(1, torch.tensor(things, { dtype: "int64" })).max(-1);
    const stuff = stuffClasses.map((c, k) => scores.select(0, numProposals + k).select(0, c).item());
    return [s.toArray(), l.toArray().map((i) => things[i]), stuff];
  });
  const probs = masks.sigmoid();
  const painted = new Uint8Array(h * w);
  const order = thingScores.map((_, k) => k).filter((k) => things.length > 0 && thingScores[k] > objectMaskThreshold).sort((a, b) => thingScores[b] - thingScores[a]);
  for (const k of order) {
    const mask = torch.tidy(() => probs.select(0, k).ge(0.5).flatten().toTypedArray()) as Uint8Array;
    let area = 0, free = 0;
    for (let p = 0; p < mask.length; p++) if (mask[p]) { area++; if (!painted[p]) free++; }
    if (area === 0 || free / area < overlapThreshold) continue;
    const id = segments.length + 1;
    segments.push({ id, category: thingLabels[k], isThing: true });
    for (let p = 0; p < mask.length; p++) if (mask[p] && !painted[p]) { painted[p] = 1; ids[p] = id; }
  }
  const stuff = stuffClasses.map((_, s) => s).filter((s) => stuffScores[s] > STUFF_SCORE_THRESHOLD);
  if (stuff.length > 0) {
    const [owner, inside] = torch.tidy(() => {
      const index = torch.tensor(stuff.map((s) => numProposals + s), { dtype: "int64" });
      const weighted = probs.indexSelect(0, index).mul(torch.tensor(stuff.map((s) => stuffScores[s])).view([-1, 1, 1]));
      const [, best] = weighted.max(0);
      return [best.flatten().toTypedArray() as BigInt64Array, probs.indexSelect(0, index).max(0)[0].ge(0.5).flatten().toTypedArray() as Uint8Array];
    });
    const idOf = new Map<number, number>();
    owner.forEach((k, p) => {
      const s = stuff[Number(k)];
      if (painted[p] || !inside[p]) return;
      let id = idOf.get(s);
      if (id === undefined) {
        id = segments.length + 1;
        idOf.set(s, id);
        segments.push({ id, category: stuffClasses[s], isThing: false });
      }
      ids[p] = id;
    });
  }
  probs.dispose();
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
