/**
 * Felzenszwalb–Huttenlocher graph-based segmentation (IJCV 2004) on the 8-connected pixel grid, as
 * skimage.segmentation.felzenszwalb computes it: samples as floats in [0, 1] smoothed by a Gaussian
 * of σ, edge weights the Euclidean colour distance, edges taken in ascending weight (ties: right,
 * down, down-right, up-right edges, each in raster order — skimage's unstable sort may differ there;
 * weights within 2⁻³² of each other count as tied),
 * two regions merged when the edge is lighter than both internal differences plus scale/255/size
 * (kept in float32, as skimage does), then regions under `minSize` merged along the same edge order.
 * Labels are 0..count-1 in order of each region's first pixel.
 */
import { floatSamples } from "./float-image.js";
import { gaussianSmooth } from "./gaussian.js";
import { checkImage, checkInteger, checkNumber, type Image } from "./image.js";
import { argsortNonNegative } from "./argsort.js";
import type { Superpixels } from "./slic.js";
import { DisjointSets } from "./union-find.js";

export interface FelzenszwalbOptions {
  /** Higher means larger regions (default 1). */
  scale?: number;
  /** Gaussian pre-smoothing in pixels (default 0.8). */
  sigma?: number;
  /** Regions below this many pixels are merged into a neighbour (default 20). */
  minSize?: number;
}

// skimage's edge order: right, down, down-right, up-right neighbours as [ay, ax, by, bx] pixel offsets.
const DIRECTIONS = [[0, 1, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0]];

/** The grid's edges: endpoints a[e], b[e] and weights, in skimage's order. */
function gridEdges(data: Float64Array, width: number, height: number, channels: number): { a: Int32Array; b: Int32Array; weight: Float64Array } {
  const n = (height * (width - 1)) + ((height - 1) * width) + 2 * ((height - 1) * (width - 1));
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const weight = new Float64Array(n);
  let e = 0;
  for (const [ay, ax, by, bx] of DIRECTIONS) {
    const rows = height - Math.max(ay, by);
    const cols = width - Math.max(ax, bx);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++, e++) {
        const p = (y + ay) * width + x + ax;
        const q = (y + by) * width + x + bx;
        let sum = 0;
        for (let c = 0; c < channels; c++) {
          const d = data[p * channels + c] - data[q * channels + c];
          sum += d * d;
        }
        a[e] = p;
        b[e] = q;
        weight[e] = Math.sqrt(sum);
      }
    }
  }
  return { a, b, weight };
}

export function felzenszwalb(image: Image, options: FelzenszwalbOptions = {}): Superpixels {
  checkImage("felzenszwalb", "image", image);
  const scale = options.scale ?? 1;
  const sigma = options.sigma ?? 0.8;
  const minSize = options.minSize ?? 20;
  checkNumber("felzenszwalb", "scale", scale, 0, true);
  checkNumber("felzenszwalb", "sigma", sigma, 0);
  checkInteger("felzenszwalb", "minSize", minSize, 0);
  const { width, height, channels } = image;
  const smoothed = gaussianSmooth(floatSamples(image), width, height, channels, sigma);
  const edges = gridEdges(smoothed, width, height, channels);
  const order = argsortNonNegative(edges.weight);
  // Edges gathered into sorted order once, so that both passes stream through them.
  const a = new Int32Array(order.length);
  const b = new Int32Array(order.length);
  const weight = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) {
    a[i] = edges.a[order[i]];
    b[i] = edges.b[order[i]];
    weight[i] = edges.weight[order[i]];
  }

  const k = scale / 255;
  const sets = new DisjointSets(width * height);
  const { parent, size } = sets;
  const internal = new Float64Array(width * height);
  // The two passes inline the set operations: they run once per edge.
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (let e = 0; e < a.length; e++) {
    const ra = find(a[e]);
    const rb = find(b[e]);
    if (ra === rb) continue;
    const w = weight[e];
    if (w < Math.fround(internal[ra] + k / size[ra]) && w < Math.fround(internal[rb] + k / size[rb])) internal[sets.unionRoots(ra, rb)] = w;
  }
  for (let e = 0; e < a.length; e++) {
    const ra = find(a[e]);
    const rb = find(b[e]);
    if (ra !== rb && (size[ra] < minSize || size[rb] < minSize)) sets.unionRoots(ra, rb);
  }
  return { width, height, ...labelsBySet(sets, width * height) };
}

/** Labels 0..count-1 numbered in order of each set's first pixel. */
function labelsBySet(sets: DisjointSets, n: number): { labels: Int32Array; count: number } {
  const labelOfRoot = new Int32Array(n).fill(-1);
  const labels = new Int32Array(n);
  let count = 0;
  for (let p = 0; p < n; p++) {
    const r = sets.find(p);
    if (labelOfRoot[r] < 0) labelOfRoot[r] = count++;
    labels[p] = labelOfRoot[r];
  }
  return { labels, count };
}
