// Weight EMA for evaluation: updated after every optimizer step, swapped into the model for validation.
import { optim } from "@segkit/torch";
import { register } from "../../config/registry.js";
import type { Checkpoint } from "../checkpoint.js";
import { hookState, setHookState, type Hook, type TrainRun } from "./hook.js";

export class EmaHook implements Hook {
  readonly name = "ema";
  #ema: optim.ExponentialMovingAverage | null = null;

  constructor(readonly options: optim.EmaOptions) {}

  beforeRun(run: TrainRun): void {
    this.#ema = new optim.ExponentialMovingAverage(() => run.model.stateDict(), this.options);
  }

  afterTrainIter(): void {
    this.#ema!.update();
  }

  beforeVal(): void {
    this.#ema!.copyTo();
  }

  afterVal(): void {
    this.#ema!.restore();
  }

  beforeSaveCheckpoint(_run: TrainRun, checkpoint: Checkpoint): void {
    const { averaged, updates } = this.#ema!.stateDict();
    checkpoint.tensors[this.name] = averaged;
    setHookState(checkpoint, this.name, { updates });
  }

  afterLoadCheckpoint(_run: TrainRun, checkpoint: Checkpoint, path: string): void {
    const state = hookState(checkpoint, this.name) as { updates?: unknown } | undefined;
    const averaged = checkpoint.tensors[this.name];
    if (state === undefined || !averaged) throw new Error(`${path}: the config has an EMA but the checkpoint has none ("hooks.ema")`);
    if (!Number.isInteger(state.updates) || (state.updates as number) < 0) {
      throw new Error(`${path}: state: "hooks.ema.updates" must be an integer >= 0, got ${JSON.stringify(state.updates)}`);
    }
    this.#ema!.loadStateDict({ averaged, updates: state.updates as number });
  }

  dispose(): void {
    this.#ema?.dispose();
  }
}

register<Hook>("hook", "ema", {
  options: ["decay", "warmup"],
  summary: "exponential moving average of the weights, used for validation",
  build: (o) => new EmaHook(o as optim.EmaOptions),
});
