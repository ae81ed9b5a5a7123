/**
 * Otsu's threshold (1979): the histogram split that maximises the between-class variance, as
 * skimage.filters.threshold_otsu computes it — integer data histogrammed per value from min to
 * max, other data in `nbins` equal bins over [min, max] (numpy.histogram's binning), the threshold
 * being the centre of the last bin of the lower class. Foreground is `value > threshold`.
 */
function isIntegerArray(values: ArrayLike<number>): boolean {
  return values instanceof Uint8Array || values instanceof Uint8ClampedArray || values instanceof Uint16Array ||
    values instanceof Int8Array || values instanceof Int16Array || values instanceof Int32Array || values instanceof Uint32Array;
}

/** Counts and bin centres as skimage.exposure.histogram returns them. */
function histogram(values: ArrayLike<number>, min: number, max: number, nbins: number): { counts: Float64Array; centres: Float64Array } {
  if (isIntegerArray(values)) {
    const counts = new Float64Array(max - min + 1);
    const centres = new Float64Array(max - min + 1);
    for (let i = 0; i < centres.length; i++) centres[i] = min + i;
    for (let i = 0; i < values.length; i++) counts[values[i] - min]++;
    return { counts, centres };
  }
  const edges = new Float64Array(nbins + 1);
  const step = (max - min) / nbins;
  for (let i = 0; i < nbins; i++) edges[i] = i * step + min;
  edges[nbins] = max;
  const counts = new Float64Array(nbins);
  const norm = nbins / (max - min);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let bin = Math.floor((v - min) * norm);
    if (bin === nbins) bin--;
    if (v < edges[bin]) bin--;
    else if (bin !== nbins - 1 && v >= edges[bin + 1]) bin++;
    counts[bin]++;
  }
  const centres = new Float64Array(nbins);
  for (let i = 0; i < nbins; i++) centres[i] = (edges[i] + edges[i + 1]) / 2;
  return { counts, centres };
}

/** Otsu's threshold of `values` (a grey image's samples); a constant input returns its value. */
export function otsuThreshold(values: ArrayLike<number>, options: { nbins?: number } = {}): number {
  const nbins = options.nbins ?? 256;
  if (values.length === 0) throw new RangeError("otsuThreshold: values is empty");
  if (!Number.isInteger(nbins) || nbins < 2) throw new RangeError(`otsuThreshold: nbins must be an integer ≥ 2, got ${nbins}`);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new RangeError(`otsuThreshold: values[${i}] is ${v}; values must be finite`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return min;
  const { counts, centres } = histogram(values, min, max, nbins);
  const n = counts.length;
  // Lower class: bins 0..i; upper class: bins i+1..n-1.
  const weightUpper = new Float64Array(n);
  const meanUpper = new Float64Array(n);
  let w = 0;
  let s = 0;
  for (let i = n - 1; i >= 0; i--) {
    w += counts[i];
    s += counts[i] * centres[i];
    weightUpper[i] = w;
    meanUpper[i] = s / w;
  }
  let best = -Infinity;
  let threshold = centres[0];
  let weightLower = 0;
  let sumLower = 0;
  for (let i = 0; i < n - 1; i++) {
    weightLower += counts[i];
    sumLower += counts[i] * centres[i];
    const d = sumLower / weightLower - meanUpper[i + 1];
    const squared = d * d;
    const variance = weightLower * weightUpper[i + 1] * squared;
    if (variance > best) {
      best = variance;
      threshold = centres[i];
    }
  }
  return threshold;
}
