/**
 * The permutohedral lattice (Adams, Baek & Davis, Eurographics 2010) for high-dimensional Gaussian
 * filtering in O(N·d²): each point is splatted onto the d+1 vertices of its enclosing simplex with
 * barycentric weights, the lattice is blurred with [½ 1 ½] along each of its d+1 axes, and values
 * are sliced back with the same weights. Laid out as Krähenbühl & Koltun's dense CRF code does it
 * (nearest remainder-0 point rounded half to even, the blur adding ½·(n₁ + n₂) to the centre, the
 * result scaled by 1/(1 + 2⁻ᵈ)), so that filtering matches pydensecrf's up to float rounding.
 */
import { roundHalfEven } from "./round-half-even.js";

/**
 * Open-addressing table (linear probing, power-of-two capacity) from integer lattice keys to dense
 * vertex ids. A key's d Int16 coordinates are padded to an even count and hashed and compared as
 * Int32 words: 1 word for the CRF's 2-D kernel, 3 for its 5-D one, instead of 2 and 5 shorts.
 */
class LatticeHash {
  /** Per id, `stride` coordinates (the last one zero padding when d is odd). */
  keys: Int16Array;
  readonly stride: number;
  size = 0;
  private words: Int32Array;
  private readonly wordCount: number;
  private table: Int32Array;

  constructor(d: number, expected: number) {
    this.stride = d + (d & 1);
    this.wordCount = this.stride / 2;
    let capacity = 16;
    while (capacity < 2 * expected) capacity *= 2;
    this.table = new Int32Array(capacity).fill(-1);
    this.keys = new Int16Array((capacity / 2) * this.stride);
    this.words = new Int32Array(this.keys.buffer);
  }

  /** A zeroed key: set its first d coordinates, pass `words` to find(). */
  newKey(): { coordinates: Int16Array; words: Int32Array } {
    const coordinates = new Int16Array(this.stride);
    return { coordinates, words: new Int32Array(coordinates.buffer) };
  }

  private hash(words: Int32Array, at: number): number {
    let h = 0;
    for (let i = 0; i < this.wordCount; i++) h = Math.imul(h ^ words[at + i], 0x9e3779b1);
    return h ^ (h >>> 16); // the high bits mixed into the low ones the mask keeps
  }

  /** The id of a key (its Int32 words); with `insert`, a new id when absent, else -1. */
  find(key: Int32Array, insert: boolean): number {
    if (insert && 2 * this.size >= this.table.length) this.grow();
    const { table, words, wordCount } = this;
    const mask = table.length - 1;
    for (let h = this.hash(key, 0) & mask; ; h = (h + 1) & mask) {
      const id = table[h];
      if (id < 0) {
        if (!insert) return -1;
        words.set(key, this.size * wordCount);
        table[h] = this.size;
        return this.size++;
      }
      let same = true;
      for (let i = 0, at = id * wordCount; i < wordCount; i++) {
        if (words[at + i] !== key[i]) {
          same = false;
          break;
        }
      }
      if (same) return id;
    }
  }

  /** Doubles the table (and the key store, which holds up to half the capacity). */
  private grow(): void {
    const capacity = 2 * this.table.length;
    const mask = capacity - 1;
    this.table = new Int32Array(capacity).fill(-1);
    const keys = new Int16Array((capacity / 2) * this.stride);
    keys.set(this.keys);
    this.keys = keys;
    this.words = new Int32Array(keys.buffer);
    for (let id = 0; id < this.size; id++) {
      let h = this.hash(this.words, id * this.wordCount) & mask;
      while (this.table[h] >= 0) h = (h + 1) & mask;
      this.table[h] = id;
    }
  }
}

export interface FilterOptions {
  /** Per point, a factor applied to its input and to its output (default none). */
  scale?: Float32Array;
  /** Factor of the filtered values added to `out` (default 1). */
  weight?: number;
  /** Buffers from scratch(channels), to reuse across calls. */
  scratch?: [Float32Array, Float32Array];
}

export class PermutohedralLattice {
  readonly points: number;
  readonly vertices: number;
  private readonly d: number;
  /** Per point, the d+1 vertex ids of its simplex (+1: id 0 is an always-zero vertex). */
  private readonly offsets: Int32Array;
  private readonly weights: Float32Array;
  /** Per axis j and vertex i: the ids (+1) of the two neighbours along j. */
  private readonly neighbours: Int32Array;

  /** `features`: `points` rows of `d` coordinates, already divided by the kernel's standard deviations. */
  constructor(features: Float32Array, points: number, d: number) {
    this.points = points;
    this.d = d;
    const hash = new LatticeHash(d, 1024);
    const offsets = new Int32Array(points * (d + 1));
    const weights = new Float32Array(points * (d + 1));
    this.offsets = offsets;
    this.weights = weights;
    const scale = new Float64Array(d);
    const invStdDev = Math.sqrt(2 / 3) * (d + 1);
    for (let i = 0; i < d; i++) scale[i] = Math.fround((1 / Math.sqrt((i + 2) * (i + 1))) * invStdDev);
    const elevated = new Float64Array(d + 1);
    const rem0 = new Float64Array(d + 1);
    const rank = new Int32Array(d + 1);
    const barycentric = new Float64Array(d + 2);
    const lastRem0 = new Float64Array(d);
    const lastRank = new Int32Array(d);
    const key = hash.newKey();
    const f32 = Math.fround;
    for (let k = 0; k < points; k++) {
      // Elevate onto the hyperplane x·1 = 0 of R^(d+1).
      let sum = 0;
      for (let j = d; j > 0; j--) {
        const cf = f32(features[k * d + j - 1] * scale[j - 1]);
        elevated[j] = f32(sum - f32(j * cf));
        sum = f32(sum + cf);
      }
      elevated[0] = sum;
      // Nearest remainder-0 point, then the permutation that sorts the differences.
      let total = 0;
      for (let i = 0; i <= d; i++) {
        const v = roundHalfEven(f32(elevated[i] * f32(1 / (d + 1))));
        rem0[i] = v * (d + 1);
        total += v;
      }
      for (let i = 0; i <= d; i++) rank[i] = 0;
      for (let i = 0; i < d; i++) {
        const di = f32(elevated[i] - rem0[i]);
        for (let j = i + 1; j <= d; j++) {
          if (di < f32(elevated[j] - rem0[j])) rank[i]++;
          else rank[j]++;
        }
      }
      for (let i = 0; i <= d; i++) {
        rank[i] += total;
        if (rank[i] < 0) {
          rank[i] += d + 1;
          rem0[i] += d + 1;
        } else if (rank[i] >= d + 1) {
          rank[i] -= d + 1;
          rem0[i] -= d + 1;
        }
      }
      for (let i = 0; i <= d + 1; i++) barycentric[i] = 0;
      for (let i = 0; i <= d; i++) {
        const v = f32(f32(elevated[i] - rem0[i]) * f32(1 / (d + 1)));
        barycentric[d - rank[i]] = f32(barycentric[d - rank[i]] + v);
        barycentric[d - rank[i] + 1] = f32(barycentric[d - rank[i] + 1] - v);
      }
      barycentric[0] = f32(barycentric[0] + f32(1 + barycentric[d + 1]));
      for (let r = 0; r <= d; r++) weights[k * (d + 1) + r] = barycentric[r];
      // The simplex's vertices: remainder-0 point plus the canonical offsets for each remainder. They
      // depend on rem0 and rank only, which neighbouring pixels mostly share: then the previous
      // point's ids are copied, no hashing (the table lookups were the construction's largest cost).
      let same = k > 0;
      for (let i = 0; i < d && same; i++) same = rem0[i] === lastRem0[i] && rank[i] === lastRank[i];
      if (same) {
        for (let r = k * (d + 1); r < (k + 1) * (d + 1); r++) offsets[r] = offsets[r - d - 1];
        continue;
      }
      for (let i = 0; i < d; i++) {
        lastRem0[i] = rem0[i];
        lastRank[i] = rank[i];
      }
      for (let r = 0; r <= d; r++) {
        for (let i = 0; i < d; i++) key.coordinates[i] = rem0[i] + (rank[i] <= d - r ? r : r - (d + 1));
        offsets[k * (d + 1) + r] = hash.find(key.words, true) + 1;
      }
    }
    this.vertices = hash.size;
    this.neighbours = new Int32Array(2 * (d + 1) * hash.size);
    const n1 = hash.newKey();
    const n2 = hash.newKey();
    const { keys, stride } = hash;
    for (let j = 0; j <= d; j++) {
      for (let i = 0; i < hash.size; i++) {
        for (let c = 0; c < d; c++) {
          n1.coordinates[c] = keys[i * stride + c] - 1;
          n2.coordinates[c] = keys[i * stride + c] + 1;
        }
        if (j < d) {
          n1.coordinates[j] = keys[i * stride + j] + d;
          n2.coordinates[j] = keys[i * stride + j] - d;
        }
        const at = 2 * (j * hash.size + i);
        this.neighbours[at] = hash.find(n1.words, false) + 1;
        this.neighbours[at + 1] = hash.find(n2.words, false) + 1;
      }
    }
  }

  /**
   * Gaussian-filters `input` (points × channels, row-major) and adds the result, times `weight`, into
   * `out` (same shape): out += weight · filter(input). Each point's input is scaled by `scale[i]`
   * before and its output after (the CRF's symmetric normalisation; omit for none). Adding lets the
   * CRF slice straight into its messages (no filtered copy, no separate weighted-sum pass). `scratch`
   * holds two buffers of (vertices + 1) × channels, reused across calls.
   */
  filter(input: Float32Array, channels: number, out: Float32Array, options: FilterOptions = {}): void {
    const [values, next] = options.scratch ?? this.scratch(channels);
    values.fill(0);
    this.splat(input, channels, values, options.scale);
    const blurred = this.blur(values, next, channels);
    this.slice(blurred, channels, out, options.scale, options.weight ?? 1);
  }

  // splat, blur and slice are separate small functions so that V8 optimises each hot loop on its own.
  // Their channel loops are unrolled by 8, then 4: V8 does not unroll, and the loop overhead was ~¼ of
  // the work (8 measured 5% faster than 4 in splat, 10% in slice).
  // Slice sums a point's d+1 terms in registers, 8 channels at a time: one load per term instead of
  // a load, a load and a store into `out`. (Splat gathering per vertex the same way measured slower:
  // a vertex's points are scattered over the input.)
  private splat(input: Float32Array, channels: number, values: Float32Array, scale: Float32Array | undefined): void {
    const { offsets, weights, points } = this;
    const corners = this.d + 1;
    for (let i = 0, at = 0; i < points; i++) {
      const s = scale ? scale[i] : 1;
      const from = i * channels;
      for (let j = 0; j < corners; j++, at++) {
        const o = offsets[at] * channels;
        const w = weights[at] * s;
        let c = 0;
        for (; c + 8 <= channels; c += 8) {
          values[o + c] += w * input[from + c];
          values[o + c + 1] += w * input[from + c + 1];
          values[o + c + 2] += w * input[from + c + 2];
          values[o + c + 3] += w * input[from + c + 3];
          values[o + c + 4] += w * input[from + c + 4];
          values[o + c + 5] += w * input[from + c + 5];
          values[o + c + 6] += w * input[from + c + 6];
          values[o + c + 7] += w * input[from + c + 7];
        }
        if (c + 4 <= channels) {
          values[o + c] += w * input[from + c];
          values[o + c + 1] += w * input[from + c + 1];
          values[o + c + 2] += w * input[from + c + 2];
          values[o + c + 3] += w * input[from + c + 3];
          c += 4;
        }
        for (; c < channels; c++) values[o + c] += w * input[from + c];
      }
    }
  }

  /** Blurs along each of the d+1 axes, ping-ponging between the buffers; returns the one holding the result. */
  private blur(values: Float32Array, next: Float32Array, channels: number): Float32Array {
    const { neighbours, vertices } = this;
    for (let j = 0; j <= this.d; j++) {
      for (let i = 0, at = 2 * j * vertices; i < vertices; i++, at += 2) {
        const self = (i + 1) * channels;
        const a = neighbours[at] * channels;
        const b = neighbours[at + 1] * channels;
        let c = 0;
        for (; c + 4 <= channels; c += 4) {
          next[self + c] = values[self + c] + 0.5 * (values[a + c] + values[b + c]);
          next[self + c + 1] = values[self + c + 1] + 0.5 * (values[a + c + 1] + values[b + c + 1]);
          next[self + c + 2] = values[self + c + 2] + 0.5 * (values[a + c + 2] + values[b + c + 2]);
          next[self + c + 3] = values[self + c + 3] + 0.5 * (values[a + c + 3] + values[b + c + 3]);
        }
        for (; c < channels; c++) next[self + c] = values[self + c] + 0.5 * (values[a + c] + values[b + c]);
      }
      [values, next] = [next, values];
    }
    return values;
  }

  private slice(values: Float32Array, channels: number, out: Float32Array, scale: Float32Array | undefined, weight: number): void {
    const { offsets, weights, points } = this;
    const corners = this.d + 1;
    const alpha = weight / (1 + Math.pow(2, -this.d));
    for (let i = 0; i < points; i++) {
      const s = (scale ? scale[i] : 1) * alpha;
      const to = i * channels;
      const first = i * corners;
      const end = first + corners;
      let c = 0;
      for (; c + 8 <= channels; c += 8) {
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        let a4 = 0;
        let a5 = 0;
        let a6 = 0;
        let a7 = 0;
        for (let at = first; at < end; at++) {
          const o = offsets[at] * channels + c;
          const w = weights[at];
          a0 += w * values[o];
          a1 += w * values[o + 1];
          a2 += w * values[o + 2];
          a3 += w * values[o + 3];
          a4 += w * values[o + 4];
          a5 += w * values[o + 5];
          a6 += w * values[o + 6];
          a7 += w * values[o + 7];
        }
        out[to + c] += s * a0;
        out[to + c + 1] += s * a1;
        out[to + c + 2] += s * a2;
        out[to + c + 3] += s * a3;
        out[to + c + 4] += s * a4;
        out[to + c + 5] += s * a5;
        out[to + c + 6] += s * a6;
        out[to + c + 7] += s * a7;
      }
      if (c + 4 <= channels) {
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let at = first; at < end; at++) {
          const o = offsets[at] * channels + c;
          const w = weights[at];
          a0 += w * values[o];
          a1 += w * values[o + 1];
          a2 += w * values[o + 2];
          a3 += w * values[o + 3];
        }
        out[to + c] += s * a0;
        out[to + c + 1] += s * a1;
        out[to + c + 2] += s * a2;
        out[to + c + 3] += s * a3;
        c += 4;
      }
      for (; c < channels; c++) {
        let a = 0;
        for (let at = first; at < end; at++) a += weights[at] * values[offsets[at] * channels + c];
        out[to + c] += s * a;
      }
    }
  }

  /** Buffers for filter(). */
  scratch(channels: number): [Float32Array, Float32Array] {
    return [new Float32Array((this.vertices + 1) * channels), new Float32Array((this.vertices + 1) * channels)];
  }
}
