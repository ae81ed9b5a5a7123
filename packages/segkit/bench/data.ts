// npm run bench -- data: images/s of the CamVid training pipeline (random rescale 0.5–2.0, crop
// 360×480 with cat_max_ratio 0.75, flip, photometric distortion, normalise) through the DataLoader
// with 2 worker threads, against the same pipeline in PIL + numpy (data_pipeline.py, on Debian's
// python3) run as one process (the usual Python baseline) and as a 2-process pool. Several rounds
// each, medians; the last line is JSON with ratio = ours / python (one process).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DataLoader } from "../src/data/loader/data-loader.js";

const CAMVID = fileURLToPath(new URL("../../../../../shared/data/camvid", import.meta.url));
const SCRIPT = fileURLToPath(new URL("../../bench/data_pipeline.py", import.meta.url));
const PYTHON = "/usr/bin/python3"; // Debian's, with numpy and PIL (not the python3 on PATH)
const IMAGES = 96;
const ROUNDS = 3;

export const CAMVID_TRAIN_PIPELINE = [
  { type: "Resize", scale: [480, 360], ratioRange: [0.5, 2.0] },
  { type: "RandomCrop", size: [360, 480], catMaxRatio: 0.75 },
  { type: "RandomFlip", prob: 0.5 },
  { type: "PhotoMetricDistortion" },
  { type: "Normalize" },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

async function ours(round: number, loader: DataLoader): Promise<number> {
  const start = performance.now();
  let images = 0;
  for await (const batch of loader.epoch(round)) {
    images += batch.images.shape[0];
    batch.images.dispose();
    batch.labels.dispose();
    if (images >= IMAGES) break;
  }
  return images / ((performance.now() - start) / 1000);
}

function python(workers: number): number {
  const out = execFileSync(PYTHON, [SCRIPT, CAMVID, String(IMAGES), String(workers)], { encoding: "utf8" });
  return (JSON.parse(out.trim().split("\n").pop()!) as { images_per_s: number }).images_per_s;
}

const loader = new DataLoader({
  dataset: { type: "camvid", root: CAMVID, split: "train" }, pipeline: CAMVID_TRAIN_PIPELINE,
  batchSize: 8, shuffle: true, seed: 0, workers: 2,
});
await ours(-1, loader); // warm-up: worker start, JIT
const rates = { ours: [] as number[], python: [] as number[], python2: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  rates.ours.push(await ours(round, loader));
  rates.python.push(python(1));
  rates.python2.push(python(2));
}
await loader.close();
const med = { ours: median(rates.ours), python: median(rates.python), python2: median(rates.python2) };
const fmt = (v: number[]): string => v.map((x) => x.toFixed(1)).join(", ");
console.log(`CamVid training pipeline, ${IMAGES} images per round, ${ROUNDS} rounds (images/s)`);
console.log(`  segkit DataLoader, 2 workers:   median ${med.ours.toFixed(1)}  [${fmt(rates.ours)}]`);
console.log(`  PIL + numpy, 1 process:         median ${med.python.toFixed(1)}  [${fmt(rates.python)}]`);
console.log(`  PIL + numpy, 2-process pool:    median ${med.python2.toFixed(1)}  [${fmt(rates.python2)}]`);
console.log(JSON.stringify({
  suite: "data", imagesPerSecond: med.ours, pythonImagesPerSecond: med.python, python2ImagesPerSecond: med.python2,
  ratio: med.ours / med.python, ratioVsPython2Processes: med.ours / med.python2,
}));
