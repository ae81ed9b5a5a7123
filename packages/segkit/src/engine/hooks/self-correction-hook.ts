// Self-correction for noisy training labels (SCHP, Li et al. 2020), off by default. The last
// cycles × cycleIters iterations run as cosine cycles that restart at lrRatio × the base lr. At the end
// of cycle m the model's weights join a running average (whose BatchNorm statistics are re-estimated
// on training batches), and from then on every training label map is refined towards that averaged
// model's prediction p: the target becomes (one-hot label + m·p) / (m + 1). The model trains on labels
// sampled from that mixture, whose expected cross-entropy is SCHP's soft-target loss, so every
// configured loss, auxiliary head and deep-supervision output sees the refined labels. After the last
// cycle the model holds the averaged weights.
import * as torch from "@segkit/torch";
import { nn, optim, type Tensor } from "@segkit/torch";
import { build, checkKeys, register } from "../../config/registry.js";
import { DataLoader } from "../../data/loader/data-loader.js";
import type { Segmentor } from "../../models/segmentors/segmentor.js";
import type { Checkpoint } from "../checkpoint.js";
import { hookState, setHookState, type Hook, type TrainBatch, type TrainRun } from "./hook.js";

export interface SelfCorrectionConfig {
  cycles: number;
  cycleIters: number;
  /** Each cycle's peak lr as a fraction of the base lr. */
  lrRatio: number;
  /** Training batches that re-estimate the averaged model's BatchNorm statistics. */
  bnBatches: number;
}

export const SELF_CORRECTION_DEFAULTS = { lrRatio: 0.1, bnBatches: 10 };

/** `raw` (config.train.selfCorrection) checked and completed with the defaults. */
export function selfCorrectionConfig(raw: Record<string, unknown>): SelfCorrectionConfig {
  const where = "config.train.selfCorrection";
  checkKeys(raw, ["cycles", "cycleIters", "lrRatio", "bnBatches"], where);
  const config = { ...SELF_CORRECTION_DEFAULTS, ...raw } as SelfCorrectionConfig;
  for (const key of ["cycles", "cycleIters", "bnBatches"] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new Error(`${where}.${key} must be a positive integer, got ${JSON.stringify(config[key])}`);
  }
  if (!(config.lrRatio > 0)) throw new Error(`${where}.lrRatio must be positive, got ${JSON.stringify(config.lrRatio)}`);
  return config;
}

/** Labels drawn per pixel from (one-hot(labels) + m·probs) / (m + 1); ignored pixels stay ignored. */
export function sampleRefinedLabels(labels: Tensor, probs: Tensor, cyclesDone: number, ignoreIndex: number): Tensor {
  return torch.tidy(() => {
    const [n, c, h, w] = probs.shape;
    const ignored = labels.eq(ignoreIndex);
    const oneHot = torch.oneHot(labels.maskedFill(ignored, 0), c).permute([0, 3, 1, 2]).to(probs.dtype);
    const mixture = oneHot.add(probs, { alpha: cyclesDone }).div(cyclesDone + 1);
    // Inverse-CDF sampling: the label is the number of classes whose cumulative mass is below u.
    const u = torch.rand([n, 1, h, w], { dtype: probs.dtype });
    const sampled = mixture.cumsum(1).lt(u).sum(1).clampMax(c - 1);
    return sampled.maskedFill(ignored, ignoreIndex);
  });
}

/** Re-estimates BatchNorm running statistics as cumulative averages over `batches` training batches. */
async function reestimateBatchNorm(model: Segmentor, data: DataLoader, epoch: number, batches: number): Promise<void> {
  const norms = model.modules().filter((m): m is nn.BatchNormNd => m instanceof nn.BatchNormNd && m.trackRunningStats);
  if (norms.length === 0) return;
  const momenta = norms.map((m) => m.momentum);
  for (const m of norms) {
    m.resetRunningStats();
    m.momentum = null;
  }
  model.train();
  try {
    let seen = 0;
    for await (const batch of data.epoch(epoch)) {
      if (seen++ < batches) torch.tidy(() => torch.noGrad(() => void model.forward(batch.images)));
      batch.images.dispose();
      batch.labels.dispose();
      if (seen >= batches) break;
    }
  } finally {
    norms.forEach((m, i) => (m.momentum = momenta[i]));
    model.eval();
  }
}

export class SelfCorrection implements Hook {
  readonly name = "self-correction";
  /** The iteration at which the first cycle begins (set by schedule()). */
  start = 0;
  #averaged: Segmentor | null = null;
  #cyclesDone = 0;
  #bnData: DataLoader | null = null;

  constructor(readonly config: SelfCorrectionConfig) {}

  /** `main` over the first `start` iterations, then the cosine cycles. */
  schedule(main: (iters: number) => optim.Schedule, iters: number): optim.Schedule {
    const { cycles, cycleIters, lrRatio } = this.config;
    this.start = iters - cycles * cycleIters;
    if (this.start < 1) {
      throw new Error(`config.train.selfCorrection: ${cycles} cycles of ${cycleIters} iterations need more than the ${iters} training iterations`);
    }
    const first = main(this.start);
    const restarts = optim.cosineRestarts({ t0: cycleIters });
    return {
      name: `${first.name}+self-correction`,
      lr: (iter, base) => (iter < this.start ? first.lr(iter, base) : restarts.lr(iter - this.start, base * lrRatio)),
    };
  }

  beforeRun(run: TrainRun): void {
    const { train, data } = run.config;
    this.#bnData = new DataLoader({ ...data.train, workers: 0, shuffle: true, dropLast: true, seed: train.seed + 1 });
  }

  /** Until a cycle has ended the labels stay; then they are refined towards the averaged model. */
  beforeTrainIter(run: TrainRun, batch: TrainBatch): void {
    const averaged = this.#averaged;
    if (!averaged) return;
    batch.labels = torch.tidy(() => sampleRefinedLabels(batch.labels, averaged.predict(batch.images).softmax(1), this.#cyclesDone, run.model.ignoreIndex));
  }

  /** At a cycle's end, fold the model into the average; after the last, the model becomes it. */
  async afterTrainIter(run: TrainRun): Promise<void> {
    const { cycleIters, cycles, bnBatches } = this.config;
    const { iteration, model } = run;
    if (iteration <= this.start || (iteration - this.start) % cycleIters !== 0) return;
    const m = ++this.#cyclesDone;
    if (!this.#averaged) {
      this.#averaged = build<Segmentor>("model", run.config.model, "config.model");
      this.#averaged.loadStateDict(model.stateDict());
    } else {
      const current = model.namedParameters();
      torch.noGrad(() => {
        for (const [name, p] of this.#averaged!.namedParameters()) p.lerp_(current.get(name)!, 1 / m);
      });
    }
    await reestimateBatchNorm(this.#averaged, this.#bnData!, m, bnBatches);
    if (m === cycles) {
      model.loadStateDict(this.#averaged.stateDict());
      model.train();
    }
  }

  /** The averaged weights (its tensor group) and the cycles done. */
  beforeSaveCheckpoint(_run: TrainRun, checkpoint: Checkpoint): void {
    if (this.#averaged) checkpoint.tensors[this.name] = this.#averaged.stateDict();
    setHookState(checkpoint, this.name, { cyclesDone: this.#cyclesDone });
  }

  afterLoadCheckpoint(run: TrainRun, checkpoint: Checkpoint, path: string): void {
    const state = hookState(checkpoint, this.name) as { cyclesDone?: unknown } | undefined;
    const cyclesDone = state?.cyclesDone;
    if (!Number.isInteger(cyclesDone) || (cyclesDone as number) < 0 || (cyclesDone as number) > this.config.cycles) {
      throw new Error(`${path}: state: "hooks.self-correction.cyclesDone" must be an integer in [0, ${this.config.cycles}], got ${JSON.stringify(cyclesDone)}`);
    }
    this.#cyclesDone = cyclesDone as number;
    if (this.#cyclesDone === 0) return;
    const tensors = checkpoint.tensors[this.name];
    if (!tensors) throw new Error(`${path}: self-correction has ${this.#cyclesDone} cycles done but the checkpoint has no "self-correction/" tensors`);
    this.#averaged ??= build<Segmentor>("model", run.config.model, "config.model");
    this.#averaged.loadStateDict(tensors);
    this.#averaged.eval();
  }

  async dispose(): Promise<void> {
    this.#averaged?.dispose();
    await this.#bnData?.close();
  }
}

register<Hook>("hook", "self-correction", {
  options: ["cycles", "cycleIters", "lrRatio", "bnBatches"],
  summary: "SCHP: cyclic lr, weight averaging at cycle ends, labels refined towards the averaged model",
  build: (o) => new SelfCorrection(selfCorrectionConfig(o)),
});
