// A model-zoo entry from a finished training run (scripts/zoo-pack.mjs runs it): turns a finished training run into a model-zoo entry —
// float16 weights of the last checkpoint (never the best one: the schedule's end is what is
// reported), re-scored on the validation split after the conversion (single scale and with flip),
// parameters, GFLOPs, CPU latency of both engines, and every training session — then copies the
// run's log and curves to docs/model-zoo/CONFIG for `npm run docs`.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import * as torch from "@segkit/torch";
import { machine, median } from "@segkit/bench";
import type { Summary } from "@segkit/metrics";
import { CheckpointKeeper, disposeCheckpoint, loadCheckpoint } from "../src/engine/checkpoint.js";
import { CLASSES_KEY } from "../src/engine/class-info.js";
import { evaluate } from "../src/engine/evaluate.js";
import { exportModel } from "../src/engine/export-model.js";
import { checkpointDir } from "../src/engine/hooks/checkpoint-hook.js";
import { SCALARS_FILE, SESSIONS_FILE, type SessionRecord } from "../src/engine/hooks/logger-hook.js";
import { loadModel, loadRunConfig, resolveConfigPath } from "../src/engine/load.js";
import { sha256File, SHIPPED_ZOO, type ZooManifest, type ZooScore } from "../src/engine/model-zoo.js";
import { readTrainingState } from "../src/engine/training-state.js";
import type { RunConfig } from "../src/engine/run-config.js";
import { DataLoader } from "../src/data/loader/data-loader.js";
import { complexity } from "../src/models/complexity.js";
import type { Segmentor } from "../src/models/segmentors/segmentor.js";

const CAMVID_SIZE: [number, number] = [360, 480];
const LATENCY_THREADS = 2;
const LATENCY_ROUNDS = 20;

/** The run's settings must be the shipped config's: dataset roots aside (they are absolute in the run). */
function withoutRoots(config: RunConfig): string {
  return JSON.stringify(config, (key, value: unknown) => (key === "root" ? undefined : value));
}

function score(summary: Summary, names: readonly string[]): ZooScore {
  const classIoU = Object.fromEntries(names.map((name, i) => [name, Number.isNaN(summary.IoU[i]) ? null : summary.IoU[i]]));
  return { mIoU: summary.mIoU, aAcc: summary.aAcc, classIoU };
}

function readSessions(runDir: string): SessionRecord[] {
  const file = join(runDir, SESSIONS_FILE);
  if (!existsSync(file)) throw new Error(`${file}: missing — the manifest lists every training session (start, resumptions, end)`);
  return readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as SessionRecord);
}

function paddedSize(model: Segmentor): [number, number] {
  const d = model.divisor;
  return [Math.ceil(CAMVID_SIZE[0] / d) * d, Math.ceil(CAMVID_SIZE[1] / d) * d];
}

function libtorchLatency(model: Segmentor, size: [number, number]): number {
  const times: number[] = [];
  for (let i = 0; i < LATENCY_ROUNDS + 3; i++) {
    torch.tidy(() => {
      const x = torch.randn([1, 3, ...size]);
      const t0 = performance.now();
      torch.inferenceMode(() => model.call(x));
      if (i >= 3) times.push(performance.now() - t0);
    });
  }
  return median(times);
}

async function onnxruntimeLatency(model: Segmentor, modelType: string, size: [number, number]): Promise<number> {
  const ort = await import("onnxruntime-node");
  const file = join(tmpdir(), `segkit-zoo-${process.pid}.onnx`);
  try {
    exportModel(model, file, { format: "onnx", size, modelType });
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: LATENCY_THREADS, interOpNumThreads: 1 });
    const times: number[] = [];
    for (let i = 0; i < LATENCY_ROUNDS + 3; i++) {
      const data = Float32Array.from({ length: 3 * size[0] * size[1] }, () => Math.random() * 2 - 1);
      const feeds = { image: new ort.Tensor("float32", data, [1, 3, ...size]) };
      const t0 = performance.now();
      await session.run(feeds);
      if (i >= 3) times.push(performance.now() - t0);
    }
    await session.release();
    return median(times);
  } finally {
    rmSync(file, { force: true });
  }
}

async function valScores(run: RunConfig, weights: string): Promise<ZooManifest["val"]> {
  const { model } = loadModel(run, weights);
  const loader = new DataLoader({ ...run.data.val, shuffle: false });
  try {
    const names = loader.dataset.classes;
    const single = (await evaluate(model, loader, { ...run.test, flip: false })).summary;
    const flip = (await evaluate(model, loader, { ...run.test, flip: true })).summary;
    return { single: score(single, names), flip: score(flip, names) };
  } finally {
    await loader.close();
    model.dispose();
  }
}

/**
 * Packs the run in `runDir`, trained with `config` (a shipped config's name or a config file; the
 * entry is named after it), into `zooDir`; copies the log and curves to `logDir` when given.
 */
export async function packZooEntry(config: string, runDir: string, zooDir = SHIPPED_ZOO, logDir: string | null = null): Promise<ZooManifest> {
  const configName = basename(resolveConfigPath(config), ".json");
  const run = await loadRunConfig(config);
  const trained = JSON.parse(readFileSync(join(runDir, "config.json"), "utf8")) as RunConfig;
  if (withoutRoots(trained) !== withoutRoots(run)) throw new Error(`${join(runDir, "config.json")}: the run's settings differ from the shipped config ${configName}`);
  const last = new CheckpointKeeper(checkpointDir(runDir)).latest();
  if (!last) throw new Error(`${runDir}: no checkpoints`);

  const weightsFile = `${configName}.safetensors`;
  const weightsPath = join(zooDir, weightsFile);
  const ck = loadCheckpoint(last);
  let iteration: number;
  let seconds: number;
  try {
    ({ iteration, seconds } = readTrainingState(ck, last));
    if (iteration !== run.train.iters) throw new Error(`${last}: iteration ${iteration} of ${run.train.iters} — the zoo takes finished schedules only`);
    if (!ck.classes) throw new Error(`${last}: stores no classes and palette`);
    const classes = JSON.stringify(ck.classes);
    // Validation used the EMA weights when the run had an EMA: those are the model's.
    const source = ck.tensors.ema ?? ck.tensors.model;
    mkdirSync(zooDir, { recursive: true });
    torch.tidy(() => {
      const half = new Map([...source].map(([k, t]) => [k, torch.isFloatingDtype(t.dtype) ? t.to("float16") : t]));
      torch.saveSafetensors(weightsPath, half, { [CLASSES_KEY]: classes });
    });
  } finally {
    disposeCheckpoint(ck);
  }

  torch.setNumThreads(LATENCY_THREADS);
  const val = await valScores(run, weightsPath);
  const { model } = loadModel(run, weightsPath, { foldBatchNorm: true });
  let latency: ZooManifest["latency"];
  let cost: { parameters: number; macs: number };
  try {
    const size = paddedSize(model);
    cost = complexity(model, size);
    latency = {
      threads: LATENCY_THREADS, libtorch: libtorchLatency(model, size), onnxruntime: await onnxruntimeLatency(model, run.model.type as string, size),
      cpu: machine().cpu,
    };
  } finally {
    model.dispose();
  }
  const manifest: ZooManifest = {
    config: configName, weights: weightsFile, sha256: sha256File(weightsPath), dtype: "float16",
    parameters: cost.parameters, gflops: (2 * cost.macs) / 1e9, iterations: iteration, trainingSeconds: seconds,
    sessions: readSessions(runDir), val, latency,
  };
  torch.writeFileAtomic(join(zooDir, `${configName}.json`), JSON.stringify(manifest, null, 2) + "\n");
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    for (const f of [SCALARS_FILE, SESSIONS_FILE, "loss.svg", "val_miou.svg", "class_iou.svg", "lr.svg"]) {
      if (existsSync(join(runDir, f))) copyFileSync(join(runDir, f), join(logDir, f));
    }
  }
  return manifest;
}
