// npm run bench -- data: images/s of the CamVid training pipeline (random rescale 0.5–2.0, crop
// 360×480 with cat_max_ratio 0.75 under mmseg's retry rule, flip, photometric distortion,
// normalise) through the DataLoader with 2 worker threads, against the same pipeline in PIL + numpy
// (data_pipeline.py, Debian's python3) on a pool of 2 processes: equal parallelism. Both stay up,
// warm up, and alternate rounds; each round draws other images and seeds. Outputs are checked
// (shapes, labels in range, the mean of the normalised pixels close on both sides). Each of our
// rounds is one whole epoch of a shuffled quarter of CamVid train (the share rank 0 of 4 gets):
// a loader stopped mid-epoch would still make the batches it had prefetched, CPU time the round
// would pay without counting their images. The Python side makes as many random images. The last
// line is JSON with ratio = ours / Python (images/s) and CPU milliseconds per image for both (every
// thread of our process; the pool's worker processes, from /proc, and the parent on the Python side).
// Ours decodes PNGs with sharp on libuv's threads beside the 2 workers: with more than 2 cores it may
// use more of them than the pool; CPU ms per image does not depend on that. No decoded-image cache.
import { fileURLToPath } from "node:url";
import { alternate, median, report, startLinePeer } from "@segkit/bench";
import { DataLoader } from "../src/data/loader/data-loader.js";

const CAMVID = fileURLToPath(new URL("../../../../../shared/data/camvid", import.meta.url));
const SCRIPT = fileURLToPath(new URL("../../bench/data_pipeline.py", import.meta.url));
const BATCH = 8;
const ROUNDS = 5;
const WORKERS = 2;
const [CROP_H, CROP_W] = [360, 480];
const IGNORE = 11;

export const CAMVID_TRAIN_PIPELINE = [
  { type: "resize", scale: [480, 360], ratioRange: [0.5, 2.0] },
  { type: "random_crop", size: [CROP_H, CROP_W], catMaxRatio: 0.75 },
  { type: "random_flip", prob: 0.5 },
  { type: "photo_metric_distortion" },
  { type: "normalize" },
];

interface Round {
  imagesPerSecond: number;
  cpuMsPerImage: number;
  /** Mean of every normalised pixel value of the round. */
  mean: number;
}

const loader = new DataLoader({
  dataset: { type: "camvid", root: CAMVID, split: "train" }, pipeline: CAMVID_TRAIN_PIPELINE,
  batchSize: BATCH, shuffle: true, seed: 0, workers: WORKERS, shard: { rank: 0, worldSize: 4, remainder: "keep" },
});
const IMAGES = loader.samples;

async function ours(round: number): Promise<Round> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  let images = 0;
  let sum = 0;
  for await (const batch of loader.epoch(round + 100)) {
    const [n, c, h, w] = batch.images.shape;
    if (c !== 3 || h !== CROP_H || w !== CROP_W) throw new Error(`data: batch of shape ${batch.images.shape.join("×")}`);
    const labelMax = batch.labels.max().item();
    if (labelMax > IGNORE) throw new Error(`data: label ${labelMax} outside 0..${IGNORE}`);
    sum += batch.images.sum().item();
    images += n;
    batch.images.dispose();
    batch.labels.dispose();
  }
  if (images !== IMAGES) throw new Error(`data: an epoch gave ${images} images, expected ${IMAGES}`);
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - start) / 1000;
  return { imagesPerSecond: images / seconds, cpuMsPerImage: (used.user + used.system) / 1000 / images, mean: sum / (images * 3 * CROP_H * CROP_W) };
}

const peer = await startLinePeer([SCRIPT, CAMVID, String(WORKERS)]);
async function python(round: number): Promise<Round> {
  const r = JSON.parse(await peer.request(`${IMAGES} ${round + 100}`)) as { images_per_s: number; cpu_ms_per_image: number; mean: number; labels_ok: boolean };
  if (!r.labels_ok) throw new Error("data: the Python pipeline produced labels outside 0..11");
  return { imagesPerSecond: r.images_per_s, cpuMsPerImage: r.cpu_ms_per_image, mean: r.mean };
}

const rounds = { ours: [] as Round[], python: [] as Round[] };
const keep = (side: Round[], r: Round, index: number): number => {
  if (index >= 0) side.push(r);
  return r.imagesPerSecond;
};
const r = await alternate({
  ours: { round: async (i) => keep(rounds.ours, await ours(i), i) },
  peer: { round: async (i) => keep(rounds.python, await python(i), i) },
}, { rounds: ROUNDS, warmup: 1 });
await loader.close();
await peer.close();

// Both normalise with the ImageNet mean/std, so the mean output pixel of the two pipelines must be
// close: CamVid's sequences differ in brightness and the two draw different images, which moves it
// by up to ~0.2; a missing or doubled normalisation moves it by far more than 0.5.
const oursMean = median(rounds.ours.map((x) => x.mean));
const pythonMean = median(rounds.python.map((x) => x.mean));
if (Math.abs(oursMean - pythonMean) > 0.5) throw new Error(`data: mean normalised pixel ${oursMean.toFixed(3)} (segkit) vs ${pythonMean.toFixed(3)} (Python)`);

const cpu = (side: Round[]): number => median(side.map((x) => x.cpuMsPerImage));
const line = (name: string, side: Round[]): string =>
  `  ${name.padEnd(34)} median ${median(side.map((x) => x.imagesPerSecond)).toFixed(1)} images/s [${side.map((x) => x.imagesPerSecond.toFixed(1)).join(", ")}], ${cpu(side).toFixed(1)} CPU ms/image`;
console.log(`CamVid training pipeline, ${IMAGES} images per round, ${ROUNDS} alternating rounds after one warm-up round each`);
console.log(line(`segkit DataLoader, ${WORKERS} worker threads:`, rounds.ours));
console.log(line(`PIL + numpy, ${WORKERS}-process pool:`, rounds.python));
report("data", {
  imagesPerSecond: r.oursMedian, pythonImagesPerSecond: r.peerMedian, ratio: r.ratio,
  cpuMsPerImage: cpu(rounds.ours), pythonCpuMsPerImage: cpu(rounds.python), cpuRatio: cpu(rounds.python) / cpu(rounds.ours),
  meanPixel: oursMean, pythonMeanPixel: pythonMean,
}, { threads: WORKERS });
