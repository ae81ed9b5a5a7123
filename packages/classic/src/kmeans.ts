/**
 * k-means colour clustering (Lloyd's iterations) with seeded k-means++ (Arthur & Vassilvitskii
 * 2007) or random initialisation, several attempts keeping the lowest inertia. Works on the
 * image's samples as they are (scale them first if channels differ in range).
 */
import { checkImage, checkInteger, checkNumber, type Image, type LabelMap } from "./image.js";
import { seededRandom } from "./random.js";

export interface KMeansOptions {
  /** Number of clusters. */
  k: number;
  /** Seed of the initialisation (default 0). */
  seed?: number;
  /** "k-means++" (default) or "random" (k distinct pixels). */
  init?: "k-means++" | "random";
  /** Lloyd iterations per attempt at most (default 100). */
  maxIterations?: number;
  /** Stop when no centre moves more than this (Euclidean, default 1e-6). */
  tolerance?: number;
  /** Independent initialisations; the lowest inertia wins (default 1). */
  attempts?: number;
}

export interface KMeansResult extends LabelMap {
  /** k × channels centre coordinates, row-major. */
  centres: Float64Array;
  /** Sum of squared distances of the pixels to their centres. */
  inertia: number;
}

function squaredDistance(data: Float64Array, p: number, centres: Float64Array, c: number, d: number): number {
  let sum = 0;
  for (let j = 0; j < d; j++) {
    const t = data[p * d + j] - centres[c * d + j];
    sum += t * t;
  }
  return sum;
}

function plusPlus(data: Float64Array, n: number, d: number, k: number, random: () => number): Float64Array {
  const centres = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  let chosen = Math.floor(random() * n);
  for (let c = 0; c < k; c++) {
    centres.set(data.subarray(chosen * d, chosen * d + d), c * d);
    let total = 0;
    for (let p = 0; p < n; p++) {
      const dist = squaredDistance(data, p, centres, c, d);
      if (dist < nearest[p]) nearest[p] = dist;
      total += nearest[p];
    }
    // Next centre with probability ∝ squared distance to the nearest chosen one.
    let target = random() * total;
    chosen = n - 1;
    for (let p = 0; p < n; p++) {
      target -= nearest[p];
      if (target < 0) {
        chosen = p;
        break;
      }
    }
  }
  return centres;
}

function randomPixels(data: Float64Array, n: number, d: number, k: number, random: () => number): Float64Array {
  const centres = new Float64Array(k * d);
  const picked = new Set<number>();
  while (picked.size < k) picked.add(Math.floor(random() * n));
  let c = 0;
  for (const p of picked) centres.set(data.subarray(p * d, p * d + d), d * c++);
  return centres;
}

/** Lloyd's iterations from `centres` (updated in place); returns the labels and inertia. */
function lloyd(data: Float64Array, n: number, d: number, k: number, centres: Float64Array, maxIterations: number, tolerance: number): { labels: Int32Array; inertia: number } {
  const labels = new Int32Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const assign = (): number => {
    let inertia = 0;
    for (let p = 0; p < n; p++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        const dist = squaredDistance(data, p, centres, c, d);
        if (dist < bestDistance) {
          bestDistance = dist;
          best = c;
        }
      }
      labels[p] = best;
      inertia += bestDistance;
    }
    return inertia;
  };
  let inertia = assign();
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    sums.fill(0);
    counts.fill(0);
    for (let p = 0; p < n; p++) {
      const c = labels[p];
      counts[c]++;
      for (let j = 0; j < d; j++) sums[c * d + j] += data[p * d + j];
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue; // an empty cluster keeps its centre
      let moved = 0;
      for (let j = 0; j < d; j++) {
        const v = sums[c * d + j] / counts[c];
        moved += (v - centres[c * d + j]) ** 2;
        centres[c * d + j] = v;
      }
      shift = Math.max(shift, Math.sqrt(moved));
    }
    inertia = assign();
    if (shift <= tolerance) break;
  }
  return { labels, inertia };
}

export function kmeans(image: Image, options: KMeansOptions): KMeansResult {
  checkImage("kmeans", "image", image);
  const { width, height, channels: d } = image;
  const n = width * height;
  const k = options.k;
  checkInteger("kmeans", "k", k, 1, n);
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-6;
  const attempts = options.attempts ?? 1;
  checkInteger("kmeans", "maxIterations", maxIterations, 0);
  checkNumber("kmeans", "tolerance", tolerance, 0);
  checkInteger("kmeans", "attempts", attempts, 1);
  const init = options.init ?? "k-means++";
  if (init !== "k-means++" && init !== "random") throw new RangeError(`kmeans: init must be "k-means++" or "random", got ${String(init)}`);
  const data = Float64Array.from(image.data);
  const random = seededRandom(options.seed ?? 0);
  let best: KMeansResult | undefined;
  for (let a = 0; a < attempts; a++) {
    const centres = init === "k-means++" ? plusPlus(data, n, d, k, random) : randomPixels(data, n, d, k, random);
    const { labels, inertia } = lloyd(data, n, d, k, centres, maxIterations, tolerance);
    if (!best || inertia < best.inertia) best = { width, height, labels, centres, inertia };
  }
  return best!;
}
