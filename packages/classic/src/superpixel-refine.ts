/**
 * Superpixel refinement of a prediction: every superpixel takes the label most of its pixels were
 * predicted as (ties: the smaller label), which snaps a network's blurry class boundaries to image
 * edges. Negative predictions (e.g. "no label") take no part in the vote.
 */
import { checkLabelMap, checkSameSize, type LabelMap } from "./image.js";

export function superpixelMajority(prediction: LabelMap, superpixels: LabelMap): LabelMap {
  checkLabelMap("superpixelMajority", "prediction", prediction);
  checkLabelMap("superpixelMajority", "superpixels", superpixels);
  checkSameSize("superpixelMajority", prediction, "prediction", superpixels, "superpixels");
  const n = prediction.labels.length;
  let segments = 0;
  let classes = 0;
  for (let p = 0; p < n; p++) {
    const s = superpixels.labels[p];
    if (s < 0) throw new RangeError(`superpixelMajority: superpixels.labels[${p}] is ${s}; superpixel ids must be ≥ 0`);
    segments = Math.max(segments, s + 1);
    classes = Math.max(classes, prediction.labels[p] + 1);
  }
  const votes = new Int32Array(segments * classes);
  for (let p = 0; p < n; p++) {
    const c = prediction.labels[p];
    if (c >= 0) votes[superpixels.labels[p] * classes + c]++;
  }
  const winner = new Int32Array(segments).fill(-1);
  for (let s = 0; s < segments; s++) {
    let best = 0;
    for (let c = 0; c < classes; c++) {
      if (votes[s * classes + c] > best) {
        best = votes[s * classes + c];
        winner[s] = c;
      }
    }
  }
  const labels = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const w = winner[superpixels.labels[p]];
    labels[p] = w >= 0 ? w : prediction.labels[p];
  }
  return { width: prediction.width, height: prediction.height, labels };
}
