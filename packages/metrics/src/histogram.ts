/**
 * The hot loop of evaluation: counting (ground truth, prediction) pairs into a K×K+2 Int32 array
 * laid out as gt*K + pred, followed by a sink bin for ignored pixels and an error bin for pixels
 * that break the label rules. Callers check the error bin afterwards, so the loops never branch on
 * validity. Int32 is safe because one call counts at most 2^31-1 pixels.
 */
import { gtRow, IGNORED, INVALID, type LabelArray, type LabelRules } from "./labels.js";

/** Number of bins a pair histogram needs for K classes: K*K, the sink, the error bin. */
export const pairBins = (k: number): number => k * k + 2;

/**
 * For 8-bit maps: a table from (gt << 8 | pred) to its bin, so one load replaces the ignore, range
 * and reduceZeroLabel logic. There is one table per module, refilled when the rules change: V8
 * drops the bounds checks on a module constant of known length, which makes counting ~8% faster
 * than with a table passed in. Matrices with different rules updated in turn refill it each time.
 */
const PAIR_TABLE = new Int32Array(65536);
let pairTableRules = "";

export function usePairTable(rules: LabelRules): void {
  const key = `${rules.numClasses}/${rules.ignoreIndex}/${rules.reduceZeroLabel}/${rules.outOfRange}`;
  if (key === pairTableRules) return;
  const k = rules.numClasses;
  const sink = k * k;
  const error = sink + 1;
  for (let g = 0; g < 256; g++) {
    const row = gtRow(rules, g);
    for (let p = 0; p < 256; p++) {
      PAIR_TABLE[(g << 8) | p] = row === IGNORED ? sink : row === INVALID || p >= k ? error : row * k + p;
    }
  }
  pairTableRules = key;
}

/**
 * 8-bit maps whose buffers are 4-byte aligned: reads four pixels of each map as one 32-bit word,
 * two words of each map per step. Label maps are piecewise constant, so the step usually repeats
 * the current word pair and costs a compare and an increment. Otherwise it adds the finished run,
 * adds the first word pair once and starts a new run at the second, without further branches:
 * mispredicted branches, not memory, are what a step costs. Which byte is which pixel does not
 * matter: byte j of the gt word pairs with byte j of the pred word. Uses the pair table of the
 * rules last passed to `usePairTable`.
 */
export function countUint8(pred: Uint8Array, gt: Uint8Array, bins: Int32Array): void {
  const words = gt.length >>> 2;
  if (words > 0) {
    const g32 = new Int32Array(gt.buffer, gt.byteOffset, words);
    const p32 = new Int32Array(pred.buffer, pred.byteOffset, words);
    let g = g32[0];
    let p = p32[0];
    let run = 0;
    let j = 0;
    for (; j + 1 < words; j += 2) {
      const g0 = g32[j];
      const p0 = p32[j];
      const g1 = g32[j + 1];
      const p1 = p32[j + 1];
      if (((g0 ^ g) | (g1 ^ g) | (p0 ^ p) | (p1 ^ p)) === 0) {
        run += 2;
        continue;
      }
      addWordPair(g, p, run, bins);
      addWordPair(g0, p0, 1, bins);
      g = g1;
      p = p1;
      run = 1;
    }
    addWordPair(g, p, run, bins);
    if (j < words) addWordPair(g32[j], p32[j], 1, bins);
  }
  for (let i = words << 2; i < gt.length; i++) bins[PAIR_TABLE[(gt[i] << 8) | pred[i]]]++;
}

function addWordPair(g: number, p: number, run: number, bins: Int32Array): void {
  bins[PAIR_TABLE[((g & 255) << 8) | (p & 255)]] += run;
  bins[PAIR_TABLE[(g & 0xff00) | ((p >>> 8) & 255)]] += run;
  bins[PAIR_TABLE[((g >>> 8) & 0xff00) | ((p >>> 16) & 255)]] += run;
  bins[PAIR_TABLE[((g >>> 16) & 0xff00) | (p >>> 24)]] += run;
}

/**
 * Any other integer maps: one pixel per step, still adding whole runs of equal pairs at once.
 * `rows` maps ground-truth values below its length to a row (or IGNORED / INVALID); larger or
 * negative values go through the rules.
 */
export function countAny(pred: LabelArray, gt: LabelArray, rules: LabelRules, rows: Int32Array, bins: Int32Array): void {
  const n = gt.length;
  if (n === 0) return;
  let g = gt[0];
  let p = pred[0];
  let run = 0;
  for (let i = 0; i < n; i++) {
    const gi = gt[i];
    const pi = pred[i];
    if (gi === g && pi === p) {
      run++;
      continue;
    }
    bins[pairBin(g, p, rules, rows)] += run;
    g = gi;
    p = pi;
    run = 1;
  }
  bins[pairBin(g, p, rules, rows)] += run;
}

function pairBin(g: number, p: number, rules: LabelRules, rows: Int32Array): number {
  const k = rules.numClasses;
  const row = g >= 0 && g < rows.length ? rows[g] : gtRow(rules, g);
  if (row === IGNORED) return k * k;
  if (row === INVALID || !(p >= 0 && p < k)) return k * k + 1;
  return row * k + p;
}

/** Row table for `countAny`, covering the values a map of K classes normally holds. */
export function buildRowTable(rules: LabelRules): Int32Array {
  const size = Math.max(rules.numClasses + 1, (rules.ignoreIndex ?? 0) + 1, 256);
  const rows = new Int32Array(Math.min(size, 65536));
  for (let v = 0; v < rows.length; v++) rows[v] = gtRow(rules, v);
  return rows;
}
