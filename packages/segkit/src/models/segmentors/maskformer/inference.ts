// MaskFormer's inference from one set of predictions (the authors' semantic_inference and
// panoptic_inference, and Mask2Former's instance_inference), each for one image: class logits
// (Q, K+1) and mask logits (Q, H, W) at the output size.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Per-class maps (K, H, W), or (N, K, H, W) for a batch: Σ over queries of softmax class probability (no-object dropped) × sigmoid mask. */
export function semanticInference(logits: Tensor, masks: Tensor): Tensor {
  return torch.tidy(() => {
    const probs = torch.softmax(logits, -1);
    return torch.einsum("...qc,...qhw->...chw", [probs.narrow(-1, 0, probs.shape[probs.ndim - 1] - 1), masks.sigmoid()]);
  });
}

export interface PanopticOptions {
  /** Per class: a thing (each query its own segment) or stuff (a class's queries merged). */
  isThing: boolean[];
  /** Queries scoring at or below it are dropped (the authors' default 0). */
  objectMaskThreshold?: number;
  /** A query keeps its segment only if it wins at least this share of its own mask (sigmoid ≥ 0.5); default 0. */
  overlapThreshold?: number;
}

export interface PanopticSegment {
  id: number;
  category: number;
  isThing: boolean;
}

export interface PanopticPrediction {
  /** H×W segment ids, 0 where no segment. */
  ids: Int32Array;
  segments: PanopticSegment[];
}

/**
 * Segments from the queries whose best class is not "no object" and whose score passes the
 * threshold: each pixel goes to the query of largest score × sigmoid mask; a query keeps what it won
 * if that is at least overlapThreshold of its own mask; stuff queries of one class share a segment.
 */
export function panopticInference(logits: Tensor, masks: Tensor, { isThing, objectMaskThreshold = 0, overlapThreshold = 0 }: PanopticOptions): PanopticPrediction {
  const [q, classesAndVoid] = logits.shape;
  const numClasses = classesAndVoid - 1;
  if (isThing.length !== numClasses) throw new RangeError(`panopticInference: isThing has ${isThing.length} entries for ${numClasses} classes`);
  const [h, w] = masks.shape.slice(1);
  const ids = new Int32Array(h * w);
  const [scores, labels] = torch.tidy(() => {
    const [s, l] = torch.softmax(logits, -1).max(-1);
    return [s.toArray(), l.toArray()];
  });
  const kept = Array.from({ length: q }, (_, i) => i).filter((i) => labels[i] !== numClasses && scores[i] > objectMaskThreshold);
  const segments: PanopticSegment[] = [];
  if (kept.length === 0) return { ids, segments };
  const [owner, ownArea] = torch.tidy(() => {
    const index = torch.tensor(Int32Array.from(kept), { dtype: "int64" });
    const probs = masks.indexSelect(0, index).sigmoid();
    const weighted = probs.mul(torch.tensor(Float32Array.from(kept, (i) => scores[i])).view([-1, 1, 1]));
    return [weighted.argmax(0).flatten().toTypedArray() as BigInt64Array, probs.ge(0.5).sum([1, 2]).toArray()];
  });
  const won = new Float64Array(kept.length);
  for (const k of owner) won[Number(k)]++;
  const segmentOf = new Int32Array(kept.length);
  const stuffSegment = new Map<number, number>();
  kept.forEach((query, k) => {
    const category = labels[query];
    if (!(won[k] > 0 && ownArea[k] > 0) || won[k] / ownArea[k] < overlapThreshold) return;
    const merged = isThing[category] ? undefined : stuffSegment.get(category);
    if (merged !== undefined) {
      segmentOf[k] = merged;
      return;
    }
    const id = segments.length + 1;
    if (!isThing[category]) stuffSegment.set(category, id);
    segments.push({ id, category, isThing: isThing[category] });
    segmentOf[k] = id;
  });
  owner.forEach((k, p) => { ids[p] = segmentOf[Number(k)]; });
  return { ids, segments };
}

export interface InstancePrediction {
  /** (k, H, W) float, 1 where the mask logit > 0. */
  masks: Tensor;
  /** (k): class probability × the mean sigmoid mask probability inside the mask. */
  scores: Float32Array;
  labels: Int32Array;
}

/**
 * The topK (query, class) pairs by class probability (no-object dropped), highest first; with
 * thingsOnly, pairs of stuff classes are dropped afterwards (Mask2Former's panoptic setting).
 */
export function instanceInference(logits: Tensor, masks: Tensor, topK: number, thingsOnly: boolean[] | null = null): InstancePrediction {
  const numClasses = logits.shape[1] - 1;
  return torch.tidy(() => {
    const probs = torch.softmax(logits, -1).narrow(-1, 0, numClasses).flatten();
    const k = Math.min(topK, probs.shape[0]);
    const [topScores, topIndex] = probs.topk(k);
    const flat = topIndex.toArray();
    const keep = flat.map((_, i) => i).filter((i) => thingsOnly === null || thingsOnly[flat[i] % numClasses]);
    const keepIndex = torch.tensor(Int32Array.from(keep), { dtype: "int64" });
    const queries = torch.tensor(Int32Array.from(keep, (i) => Math.floor(flat[i] / numClasses)), { dtype: "int64" });
    const logitsOut = masks.indexSelect(0, queries);
    const binary = logitsOut.gt(0).to("float32");
    const maskScores = logitsOut.sigmoid().mul(binary).flatten(1).sum([1]).div(binary.flatten(1).sum([1]).add(1e-6));
    const scores = topScores.indexSelect(0, keepIndex).mul(maskScores);
    return {
      masks: binary,
      scores: scores.toTypedArray() as Float32Array,
      labels: Int32Array.from(keep, (i) => flat[i] % numClasses),
    };
  });
}
