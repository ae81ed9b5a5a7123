// Self-correction for noisy training labels (SCHP: Li et al., "Self-Correction for Human Parsing",
// 2020), as the authors' released training code does it (github:GoGoDuck912/Self-Correction-Human-Parsing,
// train.py, utils/schp.py, utils/criterion.py, utils/kl_loss.py, utils/warmup_scheduler.py), off by
// default. The configured schedule runs until `start` = iters − cycles × cycleIters; then cosine cycles
// of cycleIters iterations restart at lrRatio × the base lr and anneal to etaMinRatio × the base lr
// (the code's cyclical_base_lr = lr / 2 and eta_min = lr / 100). At every cycle boundary, from `start`
// on, the model's weights join a running average (the n-th joins with weight 1/n; the first is a copy)
// whose BatchNorm statistics are re-estimated over the training set. Once an average exists, each
// batch's cross-entropy terms become the KL divergence to the soft target
// softmax((1 − a) · averaged model's logits + a · one-hot label), a = 1/(n + 1) after n averagings
// (losses/soft-target.ts); Lovász, region, boundary and edge losses keep the hard labels. After the
// last boundary (the end of training) the model holds the averaged weights.
//
// Where segkit differs from the released code, on purpose: the averaged model predicts the soft
// targets in eval mode with its re-estimated statistics (the code leaves it in train mode, so batch
// statistics are used and its running statistics drift), and ignored pixels stay ignored (the code's
// to_one_hot overwrites them with class 0 in place).
import * as torch from "@segkit/torch";
import { nn, optim, type Tensor } from "@segkit/torch";
import { build, checkKeys, register } from "../../config/registry.js";
import { DataLoader } from "../../data/loader/data-loader.js";
import type { Segmentor } from "../../models/segmentors/segmentor.js";
import type { Checkpoint } from "../checkpoint.js";
import { hookState, setHookState, type Hook, type TrainBatch, type TrainRun } from "./hook.js";

export interface SelfCorrectionConfig {
  /** Cosine cycles after the main schedule; the weights are averaged at cycles + 1 boundaries. */
  cycles: number;
  cycleIters: number;
  /** Each cycle's peak lr as a fraction of the base lr (the released code: 1/2). */
  lrRatio: number;
  /** Each cycle's final lr as a fraction of the base lr (the released code: 1/100). */
  etaMinRatio: number;
  /** Training batches that re-estimate the averaged model's BatchNorm statistics (null: the whole training set). */
  bnBatches: number | null;
}

export const SELF_CORRECTION_DEFAULTS = { lrRatio: 0.5, etaMinRatio: 0.01, bnBatches: null };

/** `raw` (config.train.selfCorrection) checked and completed with the defaults. */
export function selfCorrectionConfig(raw: Record<string, unknown>): SelfCorrectionConfig {
  const where = "config.train.selfCorrection";
  checkKeys(raw, ["cycles", "cycleIters", "lrRatio", "etaMinRatio", "bnBatches"], where);
  const config = { ...SELF_CORRECTION_DEFAULTS, ...raw } as SelfCorrectionConfig;
  const positiveInteger = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  for (const key of ["cycles", "cycleIters"] as const) {
    if (!positiveInteger(config[key])) throw new Error(`${where}.${key} must be a positive integer, got ${JSON.stringify(config[key])}`);
  }
  if (config.bnBatches !== null && !positiveInteger(config.bnBatches)) {
    throw new Error(`${where}.bnBatches must be a positive integer or null (the whole training set), got ${JSON.stringify(config.bnBatches)}`);
  }
  if (!(typeof config.lrRatio === "number" && config.lrRatio > 0)) throw new Error(`${where}.lrRatio must be positive, got ${JSON.stringify(config.lrRatio)}`);
  if (!(typeof config.etaMinRatio === "number" && config.etaMinRatio >= 0 && config.etaMinRatio <= config.lrRatio)) {
    throw new Error(`${where}.etaMinRatio must be in [0, lrRatio], got ${JSON.stringify(config.etaMinRatio)}`);
  }
  return config;
}

/**
 * The soft target after `averagings` weight averagings: softmax((1 − a) · averagedLogits + a · one-hot(labels)),
 * a = 1/(averagings + 1), mixed in logit space as the released code does (ignored pixels get class 0's
 * one-hot there; the loss leaves them out).
 */
export function softTarget(averagedLogits: Tensor, labels: Tensor, averagings: number, ignoreIndex: number): Tensor {
  return torch.tidy(() => {
    const a = 1 / (averagings + 1);
    const c = averagedLogits.shape[1];
    const oneHot = torch.oneHot(labels.maskedFill(labels.eq(ignoreIndex), 0), c).permute([0, 3, 1, 2]).to(averagedLogits.dtype);
    return averagedLogits.mul(1 - a).add(oneHot, { alpha: a }).softmax(1);
  });
}

/** Re-estimates BatchNorm running statistics as cumulative averages over `batches` training batches (null: all). */
async function reestimateBatchNorm(model: Segmentor, data: DataLoader, epoch: number, batches: number | null): Promise<void> {
  const norms = model.modules().filter((m): m is nn.BatchNormNd => m instanceof nn.BatchNormNd && m.trackRunningStats);
  if (norms.length === 0) return;
  const momenta = norms.map((m) => m.momentum);
  for (const m of norms) {
    m.resetRunningStats();
    m.momentum = null;
  }
  model.train();
  try {
    const limit = batches ?? Infinity;
    let seen = 0;
    for await (const batch of data.epoch(epoch)) {
      if (seen++ < limit) torch.tidy(() => torch.noGrad(() => void model.forward(batch.images)));
      batch.images.dispose();
      batch.labels.dispose();
      if (seen >= limit) break;
    }
  } finally {
    norms.forEach((m, i) => (m.momentum = momenta[i]));
    model.eval();
  }
}

export class SelfCorrection implements Hook {
  readonly name = "self_correction";
  /** The iteration at which the first cycle begins (set by schedule()). */
  start = 0;
  #averaged: Segmentor | null = null;
  #averagings = 0;
  #bnData: DataLoader | null = null;

  constructor(readonly config: SelfCorrectionConfig) {}

  /** `main` over the first `start` iterations, then the cosine cycles from lrRatio × base down to etaMinRatio × base. */
  schedule(main: (iters: number) => optim.Schedule, iters: number): optim.Schedule {
    const { cycles, cycleIters, lrRatio, etaMinRatio } = this.config;
    this.start = iters - cycles * cycleIters;
    if (this.start < 1) {
      throw new Error(`config.train.selfCorrection: ${cycles} cycles of ${cycleIters} iterations need more than the ${iters} training iterations`);
    }
    const first = main(this.start);
    const cycle = (iter: number, base: number) => {
      const t = (iter - this.start) % cycleIters;
      const [peak, low] = [base * lrRatio, base * etaMinRatio];
      return low + ((peak - low) * (1 + Math.cos((Math.PI * t) / cycleIters))) / 2;
    };
    return { name: `${first.name}+self-correction`, lr: (iter, base) => (iter < this.start ? first.lr(iter, base) : cycle(iter, base)) };
  }

  beforeRun(run: TrainRun): void {
    const { train, data } = run.config;
    this.#bnData = new DataLoader({ ...data.train, workers: 0, shuffle: true, dropLast: true, seed: train.seed + 1 });
  }

  /** Once an average exists, the batch gets its soft target (the cross-entropy terms use it; labels stay hard). */
  beforeTrainIter(run: TrainRun, batch: TrainBatch): void {
    const averaged = this.#averaged;
    if (!averaged) return;
    batch.soft = torch.tidy(() => softTarget(averaged.predict(batch.images), batch.labels, this.#averagings, run.model.ignoreIndex));
  }

  /** At each cycle boundary from `start` on, fold the model into the average; after the last, the model becomes it. */
  async afterTrainIter(run: TrainRun): Promise<void> {
    const { cycleIters, bnBatches } = this.config;
    const { iteration, model } = run;
    if (iteration < this.start || (iteration - this.start) % cycleIters !== 0) return;
    const n = ++this.#averagings;
    if (!this.#averaged) {
      this.#averaged = build<Segmentor>("model", run.config.model, "config.model");
      this.#averaged.loadStateDict(model.stateDict());
    } else {
      const current = model.namedParameters();
      torch.noGrad(() => {
        for (const [name, p] of this.#averaged!.namedParameters()) p.lerp_(current.get(name)!, 1 / n);
      });
    }
    await reestimateBatchNorm(this.#averaged, this.#bnData!, n, bnBatches);
    if (iteration === run.config.train.iters) {
      model.loadStateDict(this.#averaged.stateDict());
      model.train();
    }
  }

  /** The averaged weights (its tensor group) and the cycles done. */
  beforeSaveCheckpoint(_run: TrainRun, checkpoint: Checkpoint): void {
    if (this.#averaged) checkpoint.tensors[this.name] = this.#averaged.stateDict();
    setHookState(checkpoint, this.name, { averagings: this.#averagings });
  }

  afterLoadCheckpoint(run: TrainRun, checkpoint: Checkpoint, path: string): void {
    const state = hookState(checkpoint, this.name) as { averagings?: unknown } | undefined;
    const averagings = state?.averagings;
    const most = this.config.cycles + 1;
    if (!Number.isInteger(averagings) || (averagings as number) < 0 || (averagings as number) > most) {
      throw new Error(`${path}: state: "hooks.self_correction.averagings" must be an integer in [0, ${most}], got ${JSON.stringify(averagings)}`);
    }
    this.#averagings = averagings as number;
    if (this.#averagings === 0) return;
    const tensors = checkpoint.tensors[this.name];
    if (!tensors) throw new Error(`${path}: self-correction has averaged ${this.#averagings} times but the checkpoint has no "self_correction/" tensors`);
    this.#averaged ??= build<Segmentor>("model", run.config.model, "config.model");
    this.#averaged.loadStateDict(tensors);
    this.#averaged.eval();
  }

  async dispose(): Promise<void> {
    this.#averaged?.dispose();
    await this.#bnData?.close();
  }
}

register<Hook>("hook", "self_correction", {
  options: ["cycles", "cycleIters", "lrRatio", "etaMinRatio", "bnBatches"],
  summary: "SCHP: cyclic lr, weights averaged at cycle boundaries, KL to soft targets from the averaged model",
  build: (o) => new SelfCorrection(selfCorrectionConfig(o)),
});
