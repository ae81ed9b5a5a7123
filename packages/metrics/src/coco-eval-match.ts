// Matching the detections of one image and category to its ground truth, for one area range
// (pycocotools' COCOeval.evaluateImg): at each IoU threshold, detections in score order take the
// best still-free object with IoU ≥ threshold. Crowd objects may take any number of detections;
// objects that are crowds or outside the area range are "ignored": preferred last, and a detection
// matched to one (or unmatched and itself outside the range) counts neither as hit nor as miss.

export interface MatchInput {
  /** Per detection (sorted by score, highest first): its score and area. */
  scores: readonly number[];
  detectionAreas: readonly number[];
  /** Per ground-truth object: its area and crowd flag. */
  gtAreas: readonly number[];
  crowd: readonly boolean[];
  /** ious[d][g]; empty when either side is empty. */
  ious: readonly (readonly number[])[];
}

export interface ImageMatches {
  scores: readonly number[];
  /** [threshold][detection]: matched to an object. */
  matched: Uint8Array[];
  /** [threshold][detection]: left out of precision and recall. */
  ignored: Uint8Array[];
  /** Objects that count towards recall. */
  countedObjects: number;
}

export function matchImage(input: MatchInput, [lo, hi]: readonly [number, number], thresholds: readonly number[]): ImageMatches {
  const outside = (area: number) => area < lo || area > hi;
  const gtIgnored = input.gtAreas.map((area, g) => input.crowd[g] || outside(area));
  const order = gtIgnored.map((_, g) => g).sort((a, b) => Number(gtIgnored[a]) - Number(gtIgnored[b])); // ignored last, stable
  const detections = input.scores.length;
  const matched: Uint8Array[] = [];
  const ignored: Uint8Array[] = [];
  for (const threshold of thresholds) {
    const dtMatched = new Uint8Array(detections);
    const dtIgnored = new Uint8Array(detections);
    const gtTaken = new Uint8Array(order.length);
    if (input.ious.length > 0 && order.length > 0) {
      for (let d = 0; d < detections; d++) {
        let best = Math.min(threshold, 1 - 1e-10);
        let m = -1;
        for (let k = 0; k < order.length; k++) {
          const g = order[k];
          if (gtTaken[k] && !input.crowd[g]) continue;
          if (m > -1 && !gtIgnored[order[m]] && gtIgnored[g]) break; // a real match beats every ignored object
          const iou = input.ious[d][g];
          if (iou < best) continue;
          best = iou;
          m = k;
        }
        if (m === -1) continue;
        dtIgnored[d] = gtIgnored[order[m]] ? 1 : 0;
        dtMatched[d] = 1;
        gtTaken[m] = 1;
      }
    }
    for (let d = 0; d < detections; d++) if (!dtMatched[d] && outside(input.detectionAreas[d])) dtIgnored[d] = 1;
    matched.push(dtMatched);
    ignored.push(dtIgnored);
  }
  return { scores: input.scores, matched, ignored, countedObjects: gtIgnored.filter((i) => !i).length };
}
