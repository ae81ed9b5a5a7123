/**
 * Fully connected CRF inference (Krähenbühl & Koltun, NIPS 2011), as DeepLab uses it after a
 * network: unary −log p from the network's probabilities (clipped at 1e-5, pydensecrf's
 * unary_from_softmax), pairwise terms from a smoothness kernel on position and an appearance kernel
 * on position and colour, mean-field updates with both Gaussian filters computed by the
 * permutohedral lattice, each kernel normalised symmetrically (pydensecrf's default). Compatibility:
 * Potts with a weight per kernel, or a C×C matrix (symmetrised, as pydensecrf does).
 * Probabilities are class-major (C×H×W, like a network's output), the image interleaved RGB.
 *
 * The defaults (5 iterations, Gaussian σ 3 / w 3, bilateral σxy 80 / σrgb 13 / w 10) are pydensecrf's
 * example settings, not DeepLab's. DeepLab v1 (Chen et al., ICLR 2015, Sec. 5) fixes the smoothness
 * kernel at w₂ = 3, σγ = 3, cross-validates w₁, σα, σβ on 100 PASCAL VOC val images (coarse ranges
 * w₁ ∈ [5, 10], σα ∈ [50, 100], σβ ∈ [3, 6], then refined) and runs 10 mean-field iterations; the
 * authors' released LargeFOV test setting is w₁ = 4, σα = 121, σβ = 5. To reproduce it pass
 * { iterations: 10, gaussian: { sxy: 3, compat: 3 }, bilateral: { sxy: 121, srgb: 5, compat: 4 } }
 * (configs/camvid_deeplabv1_vgg16_largefov.json); DeepLab v2 (ResNet-101) uses
 * { iterations: 10, gaussian: { sxy: 1, compat: 3 }, bilateral: { sxy: 67, srgb: 3, compat: 4 } }.
 * σ's are in pixels and 0–255 intensity levels, as in the paper (pydensecrf's sxy, srgb).
 */
import { checkImage, checkInteger, checkNumber, type Image } from "./image.js";
import { PermutohedralLattice } from "./permutohedral.js";

/** A kernel's label compatibility: a Potts weight, or a C×C matrix of penalties (row-major). */
export type Compatibility = number | Float32Array | number[];

export interface DenseCrfOptions {
  /** Mean-field iterations (default 5). */
  iterations?: number;
  /** Smoothness kernel: standard deviation in pixels and compatibility (default 3 and Potts 3). */
  gaussian?: { sxy: number; compat: Compatibility } | null;
  /** Appearance kernel: pixel and colour standard deviations and compatibility (default 80, 13, Potts 10). */
  bilateral?: { sxy: number; srgb: number; compat: Compatibility } | null;
}

export interface DenseCrfResult {
  width: number;
  height: number;
  classes: number;
  /** The marginals Q after the last iteration, C×H×W. */
  probabilities: Float32Array;
  /** argmax of the marginals per pixel (ties: the smaller class). */
  labels: Int32Array;
}

interface Kernel {
  lattice: PermutohedralLattice;
  norm: Float32Array;
  /** A Potts weight, or the symmetrised matrix ½(μ + μᵀ). */
  compat: number | Float64Array;
}

function kernel(features: Float32Array, n: number, d: number, compat: Compatibility, classes: number): Kernel {
  const lattice = new PermutohedralLattice(features, n, d);
  const ones = new Float32Array(n).fill(1);
  const norm = new Float32Array(n);
  lattice.filter(ones, 1, norm);
  for (let i = 0; i < n; i++) norm[i] = 1 / Math.sqrt(norm[i] + 1e-20);
  return { lattice, norm, compat: typeof compat === "number" ? compat : symmetrised(compat, classes) };
}

function symmetrised(compat: Float32Array | number[], c: number): Float64Array {
  const symmetric = new Float64Array(c * c);
  for (let k = 0; k < c; k++) for (let l = 0; l < c; l++) symmetric[k * c + l] = 0.5 * (compat[k * c + l] + compat[l * c + k]);
  return symmetric;
}

function checkCompat(name: string, compat: Compatibility, classes: number): void {
  if (typeof compat === "number") {
    checkNumber("denseCrf", name, compat, -Infinity);
    return;
  }
  if (compat.length !== classes * classes) throw new RangeError(`denseCrf: ${name} has ${compat.length} entries, expected ${classes}×${classes}`);
  for (let i = 0; i < compat.length; i++) if (!Number.isFinite(compat[i])) throw new RangeError(`denseCrf: ${name}[${i}] is ${compat[i]}`);
}

/** 2^(m/16) for the integers m in [-2400, 0]: the scale of expNonPositive, a table lookup instead of a call. */
const POWERS_OF_TWO = Float64Array.from({ length: 2401 }, (_, i) => 2 ** ((i - 2400) / 16));

/**
 * e^x for x ≤ 0 without Math.exp (a call V8 does not inline; 3.6 M of them per iteration at 480×360×21):
 * x·log₂e = m/16 + f with m an integer and |f| ≤ 1/32, 2^f by its Taylor series to degree 3 (relative
 * error below 1e-8, under float32's rounding of the marginals). Below 2⁻¹⁵⁰ the result is 0, as in float32.
 */
function expNonPositive(x: number): number {
  const t = x * (16 * Math.LOG2E);
  if (t < -2400) return 0;
  const m = Math.floor(t + 0.5);
  const y = (t - m) * (Math.LN2 / 16);
  return (1 + y * (1 + y * (1 / 2 + y * (1 / 6)))) * POWERS_OF_TWO[m + 2400];
}

/**
 * The mean-field update Q ∝ exp(−unary + messages) per pixel. With the unary −log p this is
 * p · exp(messages), normalised: no logarithm (3.6 M of them per image at 480×360×21). The messages
 * are shifted by their row maximum, so each term is at most p ≤ 1 and the row's sum at least 1e-5.
 */
function updateMarginals(messages: Float32Array, p: Float32Array, out: Float32Array, n: number, c: number): void {
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let max = messages[row];
    for (let k = 1; k < c; k++) if (messages[row + k] > max) max = messages[row + k];
    let sum = 0;
    for (let k = 0; k < c; k++) {
      const e = p[row + k] * expNonPositive(messages[row + k] - max);
      messages[row + k] = 0; // cleared for the next iteration's sums: no fill pass
      out[row + k] = e;
      sum += e;
    }
    const inverse = 1 / sum;
    for (let k = 0; k < c; k++) out[row + k] *= inverse;
  }
}

/**
 * p clipped at 1e-5 (pydensecrf's unary_from_softmax clips before its −log), class-major in,
 * pixel-major out; and into `q` the first marginals, each pixel's clipped row divided by its sum
 * (the update without messages: no exponentials), in the same pass.
 */
function clippedPixelMajor(probabilities: Float32Array | Float64Array, q: Float32Array, n: number, c: number): Float32Array {
  const out = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let sum = 0;
    for (let k = 0; k < c; k++) {
      const p = Math.max(probabilities[k * n + i], 1e-5);
      out[row + k] = p;
      sum += out[row + k];
    }
    const inverse = 1 / sum;
    for (let k = 0; k < c; k++) q[row + k] = out[row + k] * inverse;
  }
  return out;
}

// The loops below are small functions of their own: inside the once-called denseCrf, V8 would run
// them unoptimised (they measured as slow as the lattice filtering itself).

function checkProbabilities(probabilities: Float32Array | Float64Array): void {
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`denseCrf: probabilities[${i}] is ${p}; probabilities must be in [0, 1]`);
  }
}

/** Per pixel (x, y) / sxy. */
function positionFeatures(width: number, height: number, sxy: number): Float32Array {
  const f = new Float32Array(2 * width * height);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      f[2 * i] = x / sxy;
      f[2 * i + 1] = y / sxy;
    }
  }
  return f;
}

/** Per pixel (x, y) / sxy and (r, g, b) / srgb. */
function positionColourFeatures(image: Image, sxy: number, srgb: number): Float32Array {
  const { width, height, data } = image;
  const f = new Float32Array(5 * width * height);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      f[5 * i] = x / sxy;
      f[5 * i + 1] = y / sxy;
      for (let k = 0; k < 3; k++) f[5 * i + 2 + k] = data[3 * i + k] / srgb;
    }
  }
  return f;
}

/** The message of a compatibility matrix μ: −½(μ + μᵀ)·filtered per pixel (`symmetric` = ½(μ + μᵀ)). */
function subtractCompatibilityMessage(messages: Float32Array, filtered: Float32Array, symmetric: Float64Array, n: number, c: number): void {
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      let m = 0;
      for (let l = 0; l < c; l++) m += symmetric[k * c + l] * filtered[i * c + l];
      messages[i * c + k] -= m;
    }
    for (let l = 0; l < c; l++) filtered[i * c + l] = 0; // cleared for the next iteration's sums
  }
}

/** Pixel-major marginals to class-major, with the argmax per pixel (ties: the smaller class). */
function classMajorWithArgmax(q: Float32Array, n: number, c: number): { out: Float32Array; labels: Int32Array } {
  const out = new Float32Array(c * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 0; k < c; k++) {
      out[k * n + i] = q[i * c + k];
      if (q[i * c + k] > q[i * c + best]) best = k;
    }
    labels[i] = best;
  }
  return { out, labels };
}

export function denseCrf(probabilities: Float32Array | Float64Array, classes: number, image: Image, options: DenseCrfOptions = {}): DenseCrfResult {
  checkImage("denseCrf", "image", image, [3]);
  checkInteger("denseCrf", "classes", classes, 1);
  const { width, height } = image;
  const n = width * height;
  const c = classes;
  if (probabilities.length !== c * n) {
    throw new RangeError(`denseCrf: probabilities has ${probabilities.length} values, expected classes × image size = ${c}×${height}×${width} = ${c * n}`);
  }
  checkProbabilities(probabilities);
  const iterations = options.iterations ?? 5;
  checkInteger("denseCrf", "iterations", iterations, 0);
  const gaussian = options.gaussian === undefined ? { sxy: 3, compat: 3 } : options.gaussian;
  const bilateral = options.bilateral === undefined ? { sxy: 80, srgb: 13, compat: 10 } : options.bilateral;

  const kernels: Kernel[] = [];
  if (gaussian) {
    checkNumber("denseCrf", "gaussian.sxy", gaussian.sxy, 0, true);
    checkCompat("gaussian.compat", gaussian.compat, c);
    kernels.push(kernel(positionFeatures(width, height, gaussian.sxy), n, 2, gaussian.compat, c));
  }
  if (bilateral) {
    checkNumber("denseCrf", "bilateral.sxy", bilateral.sxy, 0, true);
    checkNumber("denseCrf", "bilateral.srgb", bilateral.srgb, 0, true);
    checkCompat("bilateral.compat", bilateral.compat, c);
    kernels.push(kernel(positionColourFeatures(image, bilateral.sxy, bilateral.srgb), n, 5, bilateral.compat, c));
  }

  // Pixel-major from here: each pixel's C values are contiguous, as the lattice filters them.
  const q = new Float32Array(n * c);
  const clipped = clippedPixelMajor(probabilities, q, n, c);
  const messages = new Float32Array(n * c); // zero at each iteration's start: updateMarginals clears it
  let filtered: Float32Array | undefined; // for a compatibility matrix only; cleared after use like messages
  const scratch = kernels.map((k) => k.lattice.scratch(c));
  for (let it = 0; it < iterations; it++) {
    for (let index = 0; index < kernels.length; index++) {
      const { lattice, norm, compat } = kernels[index];
      // Potts: the lattice adds compat · filtered Q straight into the messages.
      if (typeof compat === "number") lattice.filter(q, c, messages, { scale: norm, weight: compat, scratch: scratch[index] });
      else {
        filtered ??= new Float32Array(n * c);
        lattice.filter(q, c, filtered, { scale: norm, scratch: scratch[index] });
        subtractCompatibilityMessage(messages, filtered, compat, n, c);
      }
    }
    updateMarginals(messages, clipped, q, n, c);
  }
  const { out, labels } = classMajorWithArgmax(q, n, c);
  return { width, height, classes: c, probabilities: out, labels };
}
