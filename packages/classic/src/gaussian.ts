/**
 * Gaussian smoothing of an interleaved image over y then x, as scipy.ndimage.gaussian_filter does
 * it (kernel radius ⌊4σ + ½⌋, "reflect" borders: d c b a | a b c d | d c b a, symmetric kernels
 * summed from the outermost tap pair inwards), so that inputs to the algorithms match skimage's.
 */

/** Normalised taps w[0..r] of a Gaussian of standard deviation `sigma` (w[j] is the weight at ±j). */
export function gaussianTaps(sigma: number, truncate = 4): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const taps = new Float64Array(radius + 1);
  let sum = 0;
  for (let j = -radius; j <= radius; j++) sum += Math.exp((-0.5 / (sigma * sigma)) * j * j);
  for (let j = 0; j <= radius; j++) taps[j] = Math.exp((-0.5 / (sigma * sigma)) * j * j) / sum;
  return taps;
}

/** Index of position `i` on an axis of length n under "reflect" borders. */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

/**
 * One pass along an axis: `count` lines of `length` samples, sample k of line l at
 * offset(l) + k·stride. `line` is scratch of length + 2·radius.
 */
function smoothLines(src: Float64Array, dst: Float64Array, taps: Float64Array, length: number, stride: number, starts: Int32Array, line: Float64Array): void {
  const radius = taps.length - 1;
  // Where each padded position reads from, as an offset along the line.
  const source = new Int32Array(length + 2 * radius);
  for (let k = -radius; k < length + radius; k++) source[k + radius] = reflect(k, length) * stride;
  for (const start of starts) {
    for (let k = 0; k < source.length; k++) line[k] = src[start + source[k]];
    for (let k = 0; k < length; k++) {
      const c = k + radius;
      let acc = line[c] * taps[0];
      for (let j = radius; j >= 1; j--) acc += (line[c - j] + line[c + j]) * taps[j];
      dst[start + k * stride] = acc;
    }
  }
}

/** A smoothed copy of an interleaved width×height×channels image (σ in pixels; σ = 0 copies). */
export function gaussianSmooth(data: Float64Array, width: number, height: number, channels: number, sigma: number): Float64Array {
  if (!(sigma > 0)) return Float64Array.from(data);
  const taps = gaussianTaps(sigma);
  const line = new Float64Array(Math.max(width, height) + 2 * (taps.length - 1));
  const columns = new Int32Array(width * channels);
  for (let i = 0; i < columns.length; i++) columns[i] = i;
  const rows = new Int32Array(height * channels);
  for (let y = 0; y < height; y++) for (let c = 0; c < channels; c++) rows[y * channels + c] = y * width * channels + c;
  const across = new Float64Array(data.length);
  smoothLines(data, across, taps, height, width * channels, columns, line);
  const out = new Float64Array(data.length);
  smoothLines(across, out, taps, width, channels, rows, line);
  return out;
}
