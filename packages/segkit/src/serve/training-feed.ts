// The live feed of a training run for the web app's dashboard: a trainer hook that turns each
// optimizer step (loss, lr) and each validation (mIoU, per-class IoU) into an event, keeps them all
// (a page that connects late gets the whole history first) and passes each to the subscribers.
import type { Summary } from "@segkit/metrics";
import type { Hook, TrainRun, TrainStep } from "../engine/hooks/hook.js";

export type TrainingEvent =
  | { kind: "step"; iteration: number; total: number; loss: number; lr: number }
  | { kind: "val"; iteration: number; mIoU: number | null; classes: string[]; IoU: (number | null)[] };

const finite = (v: number) => (Number.isNaN(v) ? null : v);

export class TrainingFeed implements Hook {
  readonly name = "dashboard";
  readonly history: TrainingEvent[] = [];
  private readonly subscribers = new Set<(event: TrainingEvent) => void>();

  subscribe(listener: (event: TrainingEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  afterTrainIter(run: TrainRun, { parts, lr }: TrainStep): void {
    this.publish({ kind: "step", iteration: run.iteration, total: run.config.train.iters, loss: parts.loss, lr });
  }

  afterVal(run: TrainRun, summary: Summary): void {
    this.publish({ kind: "val", iteration: run.iteration, mIoU: finite(summary.mIoU), classes: run.classes.classes, IoU: Array.from(summary.IoU, finite) });
  }

  private publish(event: TrainingEvent): void {
    this.history.push(event);
    for (const listener of this.subscribers) listener(event);
  }
}
