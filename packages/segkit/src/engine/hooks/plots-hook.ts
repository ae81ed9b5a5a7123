// SVG curves of the run's log at its end: loss, lr, validation mIoU, and the last per-class IoU.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { register } from "../../config/registry.js";
import { barChart, lineChart } from "../plots.js";
import { ScalarLog } from "../scalar-log.js";
import type { Hook, TrainRun } from "./hook.js";
import { SCALARS_FILE } from "./logger-hook.js";

export class PlotsHook implements Hook {
  readonly name = "plots";

  afterRun(run: TrainRun): void {
    const dir = run.workDir;
    const records = new ScalarLog(join(dir, SCALARS_FILE)).read();
    const series = (key: string) => records.filter((r) => typeof r[key] === "number").map((r) => [r.iter, r[key] as number] as [number, number]);
    writeFileSync(join(dir, "loss.svg"), lineChart("training loss", [{ name: "loss", points: series("loss") }], "iteration", "loss"));
    writeFileSync(join(dir, "lr.svg"), lineChart("learning rate", [{ name: "lr", points: series("lr") }], "iteration", "lr"));
    writeFileSync(join(dir, "val_miou.svg"), lineChart("validation mIoU", [{ name: "mIoU", points: series("val/mIoU") }], "iteration", "mIoU"));
    if (run.last) writeFileSync(join(dir, "class_iou.svg"), barChart("per-class IoU (last validation)", run.classes.classes, Array.from(run.last.IoU)));
  }
}

register<Hook>("hook", "plots", { options: [], summary: "SVG curves of loss, lr, val mIoU and per-class IoU", build: () => new PlotsHook() });
