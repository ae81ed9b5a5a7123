// npm run bench -- data: images/s of the CamVid training pipeline (random rescale 0.5–2.0, crop
// 360×480 with cat_max_ratio 0.75, flip, photometric distortion, normalise) through the DataLoader
// with 2 worker threads, against the same pipeline in PIL + numpy (data_pipeline.py, on Debian's
// python3) run as one process (the usual Python baseline) and as a 2-process pool. Several rounds
// each, medians; the last line is JSON with ratio = ours / python (one process), and CPU time per
// image for both (less distorted than wall time when others load the machine).
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

interface Rate {
  imagesPerSecond: number;
  cpuMsPerImage: number;
}

async function ours(round: number, loader: DataLoader): Promise<Rate> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  let images = 0;
  for await (const batch of loader.epoch(round)) {
    images += batch.images.shape[0];
    batch.images.dispose();
    batch.labels.dispose();
    if (images >= IMAGES) break;
  }
  const used = process.cpuUsage(cpu);
  return { imagesPerSecond: images / ((performance.now() - start) / 1000), cpuMsPerImage: (used.user + used.system) / 1000 / images };
}

function python(workers: number): Rate {
  const out = execFileSync(PYTHON, [SCRIPT, CAMVID, String(IMAGES), String(workers)], { encoding: "utf8" });
  const r = JSON.parse(out.trim().split("\n").pop()!) as { images_per_s: number; cpu_ms_per_image: number };
  return { imagesPerSecond: r.images_per_s, cpuMsPerImage: r.cpu_ms_per_image };
}

const loader = new DataLoader({
  dataset: { type: "camvid", root: CAMVID, split: "train" }, pipeline: CAMVID_TRAIN_PIPELINE,
  batchSize: 8, shuffle: true, seed: 0, workers: 2,
});
await ours(-1, loader); // warm-up: worker start, JIT
const runs = { ours: [] as Rate[], python: [] as Rate[], python2: [] as Rate[] };
for (let round = 0; round < ROUNDS; round++) {
  runs.ours.push(await ours(round, loader));
  runs.python.push(python(1));
  runs.python2.push(python(2));
}
await loader.close();
const rate = (rs: Rate[]): number => median(rs.map((r) => r.imagesPerSecond));
const cpu = (rs: Rate[]): number => median(rs.map((r) => r.cpuMsPerImage));
const line = (name: string, rs: Rate[]): string =>
  `  ${name.padEnd(30)} median ${rate(rs).toFixed(1)} images/s [${rs.map((r) => r.imagesPerSecond.toFixed(1)).join(", ")}], ${cpu(rs).toFixed(1)} CPU ms/image`;
console.log(`CamVid training pipeline, ${IMAGES} images per round, ${ROUNDS} rounds`);
console.log(line("segkit DataLoader, 2 workers:", runs.ours));
console.log(line("PIL + numpy, 1 process:", runs.python));
console.log(line("PIL + numpy, 2-process pool:", runs.python2));
console.log(JSON.stringify({
  suite: "data", imagesPerSecond: rate(runs.ours), pythonImagesPerSecond: rate(runs.python), python2ImagesPerSecond: rate(runs.python2),
  ratio: rate(runs.ours) / rate(runs.python), ratioVsPython2Processes: rate(runs.ours) / rate(runs.python2),
  cpuMsPerImage: cpu(runs.ours), pythonCpuMsPerImage: cpu(runs.python), cpuRatio: cpu(runs.python) / cpu(runs.ours),
}));
