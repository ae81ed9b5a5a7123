// An exponential moving average of a model's weights, for evaluating with the averaged weights.
import { Tensor } from "../tensor.js";
import { noGrad } from "../autograd.js";
import { isFloatingDtype } from "../dtype.js";
import { inRange, options } from "./hyper.js";

export interface EmaOptions {
  /** Weight of the average at each update: avg ← decay·avg + (1 − decay)·weight. */
  decay?: number;
  /**
   * Ramps the decay up as min(decay, (1 + n)/(10 + n)) after n updates (TensorFlow's
   * ExponentialMovingAverage with num_updates), so early averages are not dominated by the init.
   */
  warmup?: boolean;
}

type Source = Map<string, Tensor> | (() => Map<string, Tensor>);

export class ExponentialMovingAverage {
  readonly decay: number;
  readonly warmup: boolean;
  /** Updates so far. */
  updates = 0;
  /** The averaged tensors, by the source's names (non-floating tensors, e.g. counters, are copied). */
  readonly averaged = new Map<string, Tensor>();
  #backup: Map<string, Tensor> | null = null;

  /** Starts the average at the source's current values. */
  constructor(private readonly source: Source, given: EmaOptions = {}) {
    const o = options({ decay: 0.9999, warmup: false as boolean }, given, "ExponentialMovingAverage");
    this.decay = inRange(o.decay, "decay", "ExponentialMovingAverage", 0, 1, true);
    this.warmup = o.warmup;
    noGrad(() => {
      for (const [name, t] of this.named()) this.averaged.set(name, t.clone().keep());
    });
  }

  private named(): Map<string, Tensor> {
    const named = typeof this.source === "function" ? this.source() : this.source;
    if (!(named instanceof Map)) throw new TypeError("ExponentialMovingAverage: the source must be a Map<string, Tensor> or a function returning one");
    return named;
  }

  /** The decay the next update uses. */
  currentDecay(): number {
    return this.warmup ? Math.min(this.decay, (1 + this.updates) / (10 + this.updates)) : this.decay;
  }

  /** Folds the source's current values into the average (call after optimizer.step()). */
  update(): void {
    const d = this.currentDecay();
    const named = this.named();
    noGrad(() => {
      for (const [name, avg] of this.averaged) {
        const t = named.get(name);
        if (t === undefined) throw new RangeError(`ExponentialMovingAverage.update: the source no longer has '${name}'`);
        if (isFloatingDtype(avg.dtype)) avg.lerp_(t, 1 - d);
        else avg.copy_(t);
      }
    });
    this.updates += 1;
  }

  /** Copies the average into the source tensors, keeping their values for restore() (around evaluation). */
  copyTo(): void {
    if (this.#backup !== null) throw new Error("ExponentialMovingAverage.copyTo: already applied; call restore() first");
    const named = this.named();
    const backup = new Map<string, Tensor>();
    noGrad(() => {
      for (const [name, avg] of this.averaged) {
        const t = named.get(name);
        if (t === undefined) throw new RangeError(`ExponentialMovingAverage.copyTo: the source no longer has '${name}'`);
        backup.set(name, t.clone().keep());
        t.copy_(avg);
      }
    });
    this.#backup = backup;
  }

  /** Puts back the values copyTo() replaced. */
  restore(): void {
    const backup = this.#backup;
    if (backup === null) throw new Error("ExponentialMovingAverage.restore: nothing to restore; call copyTo() first");
    const named = this.named();
    noGrad(() => {
      for (const [name, saved] of backup) {
        named.get(name)?.copy_(saved);
        saved.dispose();
      }
    });
    this.#backup = null;
  }

  /** The averaged tensors (the EMA's own: don't dispose) and the update count, for checkpoints. */
  stateDict(): { averaged: Map<string, Tensor>; updates: number } {
    return { averaged: this.averaged, updates: this.updates };
  }

  /** Continues from a saved average; its names must be this one's. */
  loadStateDict(sd: { averaged: Map<string, Tensor>; updates: number }): void {
    for (const name of this.averaged.keys()) {
      if (!sd.averaged.has(name)) throw new RangeError(`ExponentialMovingAverage.loadStateDict: missing '${name}'`);
    }
    for (const name of sd.averaged.keys()) {
      if (!this.averaged.has(name)) throw new RangeError(`ExponentialMovingAverage.loadStateDict: unexpected '${name}'`);
    }
    noGrad(() => {
      for (const [name, avg] of this.averaged) avg.copy_(sd.averaged.get(name)!);
    });
    this.updates = sd.updates;
  }

  /** Frees the averaged tensors (and a pending backup). */
  dispose(): void {
    for (const t of this.averaged.values()) t.dispose();
    for (const t of this.#backup?.values() ?? []) t.dispose();
    this.averaged.clear();
    this.#backup = null;
  }
}
