/**
 * SLIC superpixels (Achanta et al., TPAMI 2012) and SLICO, its zero-parameter variant: k-means on
 * (colour, y, x) restricted to a 4S×4S window (±2S) around each centre, as skimage, then connectivity enforcement.
 * Follows skimage.segmentation.slic (0.19) step for step so that results can be compared with it:
 * samples rescaled to [0, 1] over the whole image, RGB converted to CIELAB, colour divided by the
 * compactness m, spatial distance divided by the grid step S, centres starting with colour 0, the
 * search window ±2·step, SLICO dividing each centre's colour distance by the largest one seen so far.
 * Labels start at 0.
 */
import { enforceConnectivity } from "./enforce-connectivity.js";
import { floatSamples } from "./float-image.js";
import { gaussianSmooth } from "./gaussian.js";
import { checkImage, checkInteger, checkNumber, type Image, type LabelMap } from "./image.js";
import { labFromLinearRgb, linearFromSrgb, rgbToLabInPlace } from "./lab.js";
import { regularGrid, seedCount } from "./regular-grid.js";

export interface SlicOptions {
  /** Approximate number of superpixels (default 100). */
  nSegments?: number;
  /** m: weight of space against colour (default 10); SLICO's initial value. */
  compactness?: number;
  /** k-means iterations at most (default 10). */
  maxIterations?: number;
  /** Gaussian smoothing before clustering, in pixels (default 0: none). */
  sigma?: number;
  /** Cluster in CIELAB (default: when the image has 3 channels). */
  lab?: boolean;
  /** SLICO: adapt the colour normalisation per superpixel (default false). */
  zero?: boolean;
  /** Merge pieces into connected superpixels (default true). */
  enforceConnectivity?: boolean;
  /** Pieces smaller than this fraction of the mean superpixel size are merged (default 0.5). */
  minSizeFactor?: number;
  /** Flood fills stop at this multiple of the mean superpixel size (default 3). */
  maxSizeFactor?: number;
}

export interface Superpixels extends LabelMap {
  /** Number of superpixels: labels are 0..count-1. */
  count: number;
}

/** The features slic clusters: samples rescaled to [0, 1], optionally CIELAB, smoothed, divided by m. */
function features(image: Image, lab: boolean, sigma: number, compactness: number): Float64Array {
  const bytes = lab && isEightBit(image) ? image.data : undefined;
  // 8-bit CIELAB reads the bytes directly: scaling by 1/255 keeps their order, so the extremes are the scaled byte extremes.
  const data = bytes ? new Float64Array(bytes.length) : floatSamples(image);
  const scale = bytes ? 1 / 255 : 1;
  const [low, high] = extremes(bytes ?? data);
  const min = low * scale;
  const max = high * scale;
  const rescale = (v: number): number => (max - min !== 0 ? (v - min) / (max - min) : v - min);
  if (bytes) labFromBytes(bytes, data, rescale);
  else {
    for (let i = 0; i < data.length; i++) data[i] = rescale(data[i]);
    if (lab) rgbToLabInPlace(data);
  }
  const smoothed = sigma > 0 ? gaussianSmooth(data, image.width, image.height, image.channels, sigma) : data;
  const ratio = 1 / compactness;
  for (let i = 0; i < smoothed.length; i++) smoothed[i] *= ratio;
  return smoothed;
}

function extremes(values: ArrayLike<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  return [min, max];
}

function isEightBit(image: Image): image is Image & { data: Uint8Array | Uint8ClampedArray } {
  return image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray;
}

/**
 * CIELAB of 8-bit RGB through a table of the 256 levels' rescaled linear-light values: the same
 * arithmetic as per sample, with the sRGB power (a fifth of SLIC's time) taken 256 times, not 3 per pixel.
 */
function labFromBytes(bytes: Uint8Array | Uint8ClampedArray, out: Float64Array, rescale: (v: number) => number): void {
  const level = new Float64Array(256);
  for (let v = 0; v < 256; v++) level[v] = linearFromSrgb(rescale(v * (1 / 255)));
  for (let i = 0; i < bytes.length; i += 3) labFromLinearRgb(level[bytes[i]], level[bytes[i + 1]], level[bytes[i + 2]], out, i);
}

export function slic(image: Image, options: SlicOptions = {}): Superpixels {
  checkImage("slic", "image", image);
  const { width, height, channels } = image;
  const nSegments = options.nSegments ?? 100;
  const compactness = options.compactness ?? 10;
  const maxIterations = options.maxIterations ?? 10;
  const lab = options.lab ?? channels === 3;
  checkInteger("slic", "nSegments", nSegments, 1, width * height);
  checkNumber("slic", "compactness", compactness, 0, true);
  checkInteger("slic", "maxIterations", maxIterations, 1);
  checkNumber("slic", "sigma", options.sigma ?? 0, 0);
  if (lab && channels !== 3) throw new RangeError(`slic: lab needs an RGB image, but image has ${channels} channels`);
  const feature = features(image, lab, options.sigma ?? 0, compactness);

  const grid = regularGrid(height, width, nSegments);
  const rows = seedCount(grid.y, height);
  const cols = seedCount(grid.x, width);
  const k = rows * cols;
  const stride = 2 + channels; // y, x, colour…
  const centres = new Float64Array(k * stride);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      centres[(r * cols + c) * stride] = grid.y.start + r * grid.y.step;
      centres[(r * cols + c) * stride + 1] = grid.x.start + c * grid.x.step;
    }
  }
  const step = Math.max(grid.y.step, grid.x.step);
  // The window comes from the grid for the actual number of centres, as in skimage.
  const window = regularGrid(height, width, k);
  const labels = cluster(feature, width, height, channels, centres, k, {
    spatialWeight: 1 / (step * step),
    windowY: 2 * window.y.step,
    windowX: 2 * window.x.step,
    iterations: maxIterations,
    zero: options.zero ?? false,
  });
  if (!(options.enforceConnectivity ?? true)) return { width, height, labels, count: k };
  const segmentSize = (width * height) / k;
  const minSize = Math.trunc((options.minSizeFactor ?? 0.5) * segmentSize);
  const maxSize = Math.trunc((options.maxSizeFactor ?? 3) * segmentSize);
  return { width, height, ...enforceConnectivity(labels, width, height, minSize, maxSize) };
}

interface ClusterOptions {
  spatialWeight: number;
  windowY: number;
  windowX: number;
  iterations: number;
  zero: boolean;
}

/** The k-means loop: assign within windows, then move each centre to its pixels' mean. */
function cluster(feature: Float64Array, width: number, height: number, channels: number, centres: Float64Array, k: number, o: ClusterOptions): Int32Array {
  const stride = 2 + channels;
  const labels = new Int32Array(width * height).fill(-1);
  const distance = new Float64Array(width * height);
  const members = new Float64Array(k);
  const maxColourDistance = new Float64Array(k).fill(1);
  for (let iteration = 0; iteration < o.iterations; iteration++) {
    let changed = false;
    distance.fill(Number.MAX_VALUE);
    for (let s = 0; s < k; s++) {
      const cy = centres[s * stride];
      const cx = centres[s * stride + 1];
      if (Number.isNaN(cy)) continue; // a centre that lost all its pixels (skimage: 0/0) never wins
      const yMin = Math.trunc(Math.max(cy - o.windowY, 0));
      const yMax = Math.trunc(Math.min(cy + o.windowY + 1, height));
      const xMin = Math.trunc(Math.max(cx - o.windowX, 0));
      const xMax = Math.trunc(Math.min(cx + o.windowX + 1, width));
      // SLICO divides the colour distance by the centre's largest; a reciprocal keeps the hot loop free of divisions.
      const colourScale = o.zero ? 1 / maxColourDistance[s] : 1;
      const window = { yMin, yMax, xMin, xMax };
      if (channels === 3) {
        if (assignRgb(feature, width, labels, distance, s, cy, cx, centres, s * stride + 2, window, o.spatialWeight, colourScale)) changed = true;
      } else if (assignAny(feature, width, channels, labels, distance, s, cy, cx, centres, s * stride + 2, window, o.spatialWeight, colourScale)) {
        changed = true;
      }
    }
    if (!changed) break;
    centres.fill(0);
    members.fill(0);
    for (let y = 0, p = 0; y < height; y++) {
      for (let x = 0; x < width; x++, p++) {
        const s = labels[p];
        if (s < 0) continue; // outside every window (not with the ±2·step windows on a full grid)
        members[s] += 1;
        centres[s * stride] += y;
        centres[s * stride + 1] += x;
        for (let c = 0; c < channels; c++) centres[s * stride + 2 + c] += feature[p * channels + c];
      }
    }
    for (let s = 0; s < k; s++) for (let j = 0; j < stride; j++) centres[s * stride + j] /= members[s];
    if (o.zero) {
      for (let p = 0; p < labels.length; p++) {
        const s = labels[p];
        if (s < 0) continue;
        let colour = 0;
        for (let c = 0; c < channels; c++) {
          const t = feature[p * channels + c] - centres[s * stride + 2 + c];
          colour += t * t;
        }
        if (maxColourDistance[s] < colour) maxColourDistance[s] = colour;
      }
    }
  }
  return labels;
}

interface Window {
  yMin: number;
  yMax: number;
  xMin: number;
  xMax: number;
}

/**
 * Moves the pixels of `w` that are nearer to centre s than to their current one; true when any
 * moved. The RGB/Lab case is unrolled: this loop is where SLIC spends its time.
 */
function assignRgb(feature: Float64Array, width: number, labels: Int32Array, distance: Float64Array, s: number, cy: number, cx: number, centres: Float64Array, colourAt: number, w: Window, spatialWeight: number, colourScale: number): boolean {
  const c0 = centres[colourAt];
  const c1 = centres[colourAt + 1];
  const c2 = centres[colourAt + 2];
  let changed = false;
  for (let y = w.yMin; y < w.yMax; y++) {
    const dy = (cy - y) * (cy - y);
    for (let x = w.xMin, p = y * width + w.xMin; x < w.xMax; x++, p++) {
      const dx = (cx - x) * (cx - x);
      const t0 = feature[3 * p] - c0;
      const t1 = feature[3 * p + 1] - c1;
      const t2 = feature[3 * p + 2] - c2;
      const d = (dy + dx) * spatialWeight + (t0 * t0 + t1 * t1 + t2 * t2) * colourScale;
      if (distance[p] > d) {
        labels[p] = s;
        distance[p] = d;
        changed = true;
      }
    }
  }
  return changed;
}

/** assignRgb for any number of channels. */
function assignAny(feature: Float64Array, width: number, channels: number, labels: Int32Array, distance: Float64Array, s: number, cy: number, cx: number, centres: Float64Array, colourAt: number, w: Window, spatialWeight: number, colourScale: number): boolean {
  let changed = false;
  for (let y = w.yMin; y < w.yMax; y++) {
    const dy = (cy - y) * (cy - y);
    for (let x = w.xMin, p = y * width + w.xMin; x < w.xMax; x++, p++) {
      const dx = (cx - x) * (cx - x);
      let colour = 0;
      for (let c = 0; c < channels; c++) {
        const t = feature[p * channels + c] - centres[colourAt + c];
        colour += t * t;
      }
      const d = (dy + dx) * spatialWeight + colour * colourScale;
      if (distance[p] > d) {
        labels[p] = s;
        distance[p] = d;
        changed = true;
      }
    }
  }
  return changed;
}
