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
 * For 8-bit maps: a 65,536-entry table from (gt << 8 | pred) to its bin, so one load replaces the
 * ignore, range and reduceZeroLabel logic.
 */
export function buildPairTable(rules: LabelRules): Int32Array {
  const k = rules.numClasses;
  const sink = k * k;
  const error = sink + 1;
  const table = new Int32Array(65536);
  for (let g = 0; g < 256; g++) {
    const row = gtRow(rules, g);
    for (let p = 0; p < 256; p++) {
      table[(g << 8) | p] = row === IGNORED ? sink : row === INVALID || p >= k ? error : row * k + p;
    }
  }
  return table;
}

/**
 * 8-bit maps whose buffers are 4-byte aligned: reads four pixels of each map per step as one
 * 32-bit word. Label maps are piecewise constant, so a word pair usually repeats the previous one
 * and costs a compare and an increment; the four bins of a word pair are added once per run.
 * Which byte is which pixel does not matter: byte j of the gt word pairs with byte j of the pred word.
 */
export function countUint8(pred: Uint8Array, gt: Uint8Array, table: Int32Array, bins: Int32Array): void {
  const words = gt.length >>> 2;
  if (words > 0) {
    const g32 = new Uint32Array(gt.buffer, gt.byteOffset, words);
    const p32 = new Uint32Array(pred.buffer, pred.byteOffset, words);
    let g = g32[0];
    let p = p32[0];
    let run = 0;
    for (let j = 0; j < words; j++) {
      const gw = g32[j];
      const pw = p32[j];
      if (gw === g && pw === p) {
        run++;
        continue;
      }
      addWordPair(g, p, run, table, bins);
      g = gw;
      p = pw;
      run = 1;
    }
    addWordPair(g, p, run, table, bins);
  }
  for (let i = words << 2; i < gt.length; i++) bins[table[(gt[i] << 8) | pred[i]]]++;
}

function addWordPair(g: number, p: number, run: number, table: Int32Array, bins: Int32Array): void {
  bins[table[((g & 255) << 8) | (p & 255)]] += run;
  bins[table[(g & 0xff00) | ((p >>> 8) & 255)]] += run;
  bins[table[((g >>> 8) & 0xff00) | ((p >>> 16) & 255)]] += run;
  bins[table[((g >>> 16) & 0xff00) | (p >>> 24)]] += run;
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
