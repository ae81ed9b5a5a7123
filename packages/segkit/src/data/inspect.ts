// Dataset statistics for `segkit dataset inspect`: sample count, image sizes, per-class pixel
// frequencies, the class weights a user would feed to weighted cross-entropy, and problems found.
// Every sample is read; a sample that fails is reported (naming its file) instead of stopping.
import type { Dataset } from "./types.js";

export interface ClassStats {
  name: string;
  pixels: number;
  /** Share of all labelled (non-ignore) pixels. */
  frequency: number;
  /** Images in which the class appears. */
  images: number;
  /** total / (K · pixels), sklearn's "balanced" weights; 0 for absent classes. */
  inverseFrequencyWeight: number;
  /** median(f) / f with f = pixels / pixels of the images containing the class (Eigen & Fergus, SegNet); 0 if absent. */
  medianFrequencyWeight: number;
}

export interface DatasetReport {
  samples: number;
  /** "W×H" → count. */
  sizes: Record<string, number>;
  ignoredPixels: number;
  classes: ClassStats[];
  problems: string[];
}

export async function inspectDataset(dataset: Dataset, problems: string[] = []): Promise<DatasetReport> {
  const K = dataset.classes.length;
  const pixels = new Float64Array(K);
  const images = new Float64Array(K);
  const imagePixels = new Float64Array(K); // pixels of the images where the class appears
  const sizes: Record<string, number> = {};
  let ignoredPixels = 0;
  let read = 0;
  for (let i = 0; i < dataset.length; i++) {
    let sample;
    try {
      sample = await dataset.raw(i);
    } catch (e) {
      problems.push((e as Error).message);
      continue;
    }
    read++;
    const key = `${sample.width}×${sample.height}`;
    sizes[key] = (sizes[key] ?? 0) + 1;
    const counts = new Float64Array(256);
    for (const v of sample.label) counts[v]++;
    ignoredPixels += counts[dataset.ignoreIndex] ?? 0;
    for (let c = 0; c < K; c++) {
      if (c === dataset.ignoreIndex || counts[c] === 0) continue;
      pixels[c] += counts[c];
      images[c]++;
      imagePixels[c] += sample.label.length;
    }
  }
  const total = pixels.reduce((a, b) => a + b, 0);
  const freq = Array.from(pixels, (p, c) => (p ? p / imagePixels[c] : 0));
  const present = freq.filter((f) => f > 0).sort((a, b) => a - b);
  const mid = present.length >> 1;
  const median = present.length === 0 ? 0 : present.length % 2 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
  return {
    samples: read,
    sizes,
    ignoredPixels,
    problems,
    classes: dataset.classes.map((name, c) => ({
      name,
      pixels: pixels[c],
      frequency: total ? pixels[c] / total : 0,
      images: images[c],
      inverseFrequencyWeight: pixels[c] ? total / (K * pixels[c]) : 0,
      medianFrequencyWeight: freq[c] ? median / freq[c] : 0,
    })),
  };
}

export function formatReport(r: DatasetReport): string {
  const lines = [`samples: ${r.samples}`, `image sizes: ${Object.entries(r.sizes).map(([s, n]) => `${s} (${n})`).join(", ") || "none"}`];
  lines.push(`ignored pixels: ${r.ignoredPixels}`, "");
  const width = Math.max(5, ...r.classes.map((c) => c.name.length));
  lines.push(`${"class".padEnd(width)}  ${"pixels".padStart(12)}  ${"freq".padStart(7)}  ${"images".padStart(6)}  ${"inv-freq w".padStart(10)}  ${"median-freq w".padStart(13)}`);
  for (const c of r.classes) {
    lines.push(
      `${c.name.padEnd(width)}  ${String(c.pixels).padStart(12)}  ${(100 * c.frequency).toFixed(2).padStart(6)}%  ${String(c.images).padStart(6)}  ` +
        `${c.inverseFrequencyWeight.toFixed(4).padStart(10)}  ${c.medianFrequencyWeight.toFixed(4).padStart(13)}`,
    );
  }
  lines.push("", r.problems.length ? `problems (${r.problems.length}):` : "problems: none", ...r.problems.map((p) => `  ${p}`));
  return lines.join("\n");
}
