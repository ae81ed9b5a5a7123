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
import { build, type Config } from "../config/registry.js";
import { DataLoader } from "../data/loader/data-loader.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import type { LoaderConfig } from "./run-config.js";

export interface SelfCorrectionConfig {
  cycles: number;
  cycleIters: number;
  /** Each cycle's peak lr as a fraction of the base lr. */
  lrRatio: number;
  /** Training batches that re-estimate the averaged model's BatchNorm statistics. */
  bnBatches: number;
}

export const SELF_CORRECTION_DEFAULTS = { lrRatio: 0.1, bnBatches: 10 };

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

export class SelfCorrection {
  /** The iteration at which the first cycle begins. */
  readonly start: number;
  #averaged: Segmentor | null = null;
  #cyclesDone = 0;
  readonly #bnData: DataLoader;

  constructor(readonly config: SelfCorrectionConfig, private readonly modelConfig: Config, trainData: LoaderConfig, iters: number, seed: number) {
    this.start = iters - config.cycles * config.cycleIters;
    if (this.start < 1) {
      throw new Error(`config.train.selfCorrection: ${config.cycles} cycles of ${config.cycleIters} iterations need more than the ${iters} training iterations`);
    }
    this.#bnData = new DataLoader({ ...trainData, workers: 0, shuffle: true, dropLast: true, seed: seed + 1 });
  }

  /** `main` over the first `start` iterations, then the cosine cycles. */
  schedule(main: optim.Schedule): optim.Schedule {
    const cycles = optim.cosineRestarts({ t0: this.config.cycleIters });
    return {
      name: `${main.name}+self-correction`,
      lr: (iter, base) => (iter < this.start ? main.lr(iter, base) : cycles.lr(iter - this.start, base * this.config.lrRatio)),
    };
  }

  /** The labels to train on: `labels` itself until a cycle has ended, then a new refined tensor. */
  refine(images: Tensor, labels: Tensor, ignoreIndex: number): Tensor {
    const averaged = this.#averaged;
    if (!averaged) return labels;
    return torch.tidy(() => sampleRefinedLabels(labels, averaged.predict(images).softmax(1), this.#cyclesDone, ignoreIndex));
  }

  /** After each step: at a cycle's end, fold the model into the average; after the last, the model becomes it. */
  async afterStep(iteration: number, model: Segmentor): Promise<void> {
    const { cycleIters, cycles, bnBatches } = this.config;
    if (iteration <= this.start || (iteration - this.start) % cycleIters !== 0) return;
    const m = ++this.#cyclesDone;
    if (!this.#averaged) {
      this.#averaged = build<Segmentor>("model", this.modelConfig, "config.model");
      this.#averaged.loadStateDict(model.stateDict());
    } else {
      const current = model.namedParameters();
      torch.noGrad(() => {
        for (const [name, p] of this.#averaged!.namedParameters()) p.lerp_(current.get(name)!, 1 / m);
      });
    }
    await reestimateBatchNorm(this.#averaged, this.#bnData, m, bnBatches);
    if (m === cycles) {
      model.loadStateDict(this.#averaged.stateDict());
      model.train();
    }
  }

  /** What a checkpoint needs to continue: the averaged weights and the cycles done. */
  state(): { tensors: Map<string, Tensor> | null; cyclesDone: number } {
    return { tensors: this.#averaged?.stateDict() ?? null, cyclesDone: this.#cyclesDone };
  }

  restore(tensors: Map<string, Tensor> | undefined, cyclesDone: number, where: string): void {
    this.#cyclesDone = cyclesDone;
    if (cyclesDone === 0) return;
    if (!tensors) throw new Error(`${where}: self-correction has ${cyclesDone} cycles done but the checkpoint has no averaged weights`);
    this.#averaged ??= build<Segmentor>("model", this.modelConfig, "config.model");
    this.#averaged.loadStateDict(tensors);
    this.#averaged.eval();
  }

  async dispose(): Promise<void> {
    this.#averaged?.dispose();
    await this.#bnData.close();
  }
}
