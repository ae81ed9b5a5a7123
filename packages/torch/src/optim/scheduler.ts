// Applies a Schedule to an optimizer's parameter groups, one step per training iteration.
import type { Schedule } from "./schedules.js";

/** What a scheduler needs of an optimizer: its groups' lr, and momentum or betas for OneCycle. */
export interface SchedulableOptimizer {
  readonly name: string;
  readonly paramGroups: { lr: number; momentum?: number; betas?: readonly number[] }[];
}

export interface LrSchedulerState {
  iter: number;
  baseLrs: number[];
}

export class LrScheduler {
  /** Scheduler steps taken (PyTorch's last_epoch). */
  iter = 0;
  /** Each group's lr when the scheduler was made: the `base` of the schedule. */
  readonly baseLrs: number[];

  /** Sets every group's lr (and momentum, for OneCycle) to the schedule's value at iteration 0. */
  constructor(readonly optimizer: SchedulableOptimizer, readonly schedule: Schedule) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    if (schedule.momentum !== undefined) {
      optimizer.paramGroups.forEach((g, i) => {
        if (!Array.isArray(g.betas) && typeof g.momentum !== "number") {
          throw new TypeError(`LrScheduler: ${schedule.name} cycles the momentum, but ${optimizer.name} param group ${i} has neither momentum nor betas`);
        }
      });
    }
    this.apply();
  }

  /** Advances one iteration (call after optimizer.step()). */
  step(): void {
    this.iter += 1;
    this.apply();
  }

  /** Each group's lr at `iter`. */
  lrAt(iter: number): number[] {
    return this.baseLrs.map((base) => this.schedule.lr(iter, base));
  }

  /** Each group's lr now. */
  get lastLr(): number[] {
    return this.lrAt(this.iter);
  }

  stateDict(): LrSchedulerState {
    return { iter: this.iter, baseLrs: [...this.baseLrs] };
  }

  /** Continues from a saved state: the groups get the lr (and momentum) of the saved iteration. */
  loadStateDict(sd: LrSchedulerState): void {
    if (!Number.isInteger(sd.iter) || sd.iter < 0) throw new RangeError(`LrScheduler.loadStateDict: iter must be an integer >= 0, got ${sd.iter}`);
    if (!Array.isArray(sd.baseLrs) || sd.baseLrs.length !== this.baseLrs.length) {
      throw new RangeError(`LrScheduler.loadStateDict: baseLrs has ${sd.baseLrs?.length} entries, the optimizer has ${this.baseLrs.length} parameter groups`);
    }
    this.iter = sd.iter;
    this.baseLrs.splice(0, this.baseLrs.length, ...sd.baseLrs);
    this.apply();
  }

  private apply(): void {
    const lrs = this.lrAt(this.iter);
    const momentum = this.schedule.momentum?.(this.iter);
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i];
      if (momentum === undefined) return;
      if (Array.isArray(g.betas)) g.betas = [momentum, ...g.betas.slice(1)];
      else g.momentum = momentum;
    });
  }
}
