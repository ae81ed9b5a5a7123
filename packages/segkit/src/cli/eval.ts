/**
 * `segkit eval`: scores predictions against ground truth. The default task, semantic, compares
 * folders of predicted and ground-truth label PNGs, paired by file name, with one confusion matrix
 * over the whole set (mmsegmentation's IoUMetric semantics by default); `--task instance` scores a
 * COCO results JSON as pycocotools' COCOeval does, `--task panoptic` COCO panoptic JSON + PNG
 * folders as panopticapi's pq_compute does; with --config and --checkpoint, both score a model's own
 * predictions on the config's validation data instead.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfusionMatrix, LabelValueError, report, summarize, summaryJSON, type AbsentPolicy, type CocoIouType, type ReportFormat } from "@segkit/metrics";
import { Command, InvalidArgumentError, Option } from "commander";
import { readLabelPng } from "../io/label-png.js";
import { evaluateModelPanoptic } from "../engine/model-panoptic-eval.js";
import { loadRunConfig } from "../engine/load.js";
import { instanceModelReport, instanceReport, panopticEvaluationReport, panopticReport } from "./eval-coco.js";

export interface EvalOptions {
  pred: string;
  gt: string;
  classes: number;
  ignoreIndex?: number;
  reduceZeroLabel?: boolean;
  ignoreOutOfRange?: boolean;
}

interface EvalCliOptions extends Omit<EvalOptions, "classes" | "pred" | "gt"> {
  pred?: string;
  gt?: string;
  task: "semantic" | "instance" | "panoptic";
  classes?: number;
  iouType: CocoIouType;
  gtDir?: string;
  predDir?: string;
  config?: string;
  checkpoint?: string;
  set: string[];
  absent: AbsentPolicy;
  names?: string;
  format: ReportFormat;
  json?: boolean;
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description("score predictions against ground truth: label PNGs paired by name, COCO instance results or COCO panoptic")
    .addOption(new Option("--task <task>", "semantic: label PNG folders; instance: COCO results JSON vs instances JSON; panoptic: COCO panoptic JSON + PNG folders").choices(["semantic", "instance", "panoptic"]).default("semantic"))
    .option("--pred <path>", "predicted label PNG folder (semantic), results JSON (instance) or panoptic JSON (panoptic)")
    .option("--gt <path>", "ground-truth label PNG folder (semantic), instances JSON (instance) or panoptic JSON (panoptic)")
    .option("--classes <K>", "number of classes (semantic)", integer("--classes", 1))
    .option("--ignore-index <I>", "ground-truth value to leave out", integer("--ignore-index", -Infinity))
    .option("--reduce-zero-label", "ADE20K convention: ground truth 0 is ignored, v counts as class v-1")
    .option("--ignore-out-of-range", "drop ground-truth values outside [0, K) instead of failing")
    .addOption(new Option("--absent <convention>", "score of a class absent from both maps").choices(["mmseg", "torchmetrics", "smp"]).default("mmseg"))
    .option("--names <file>", "class names, one per line")
    .addOption(new Option("--iou-type <type>", "instance: compare masks (segm) or boxes (bbox)").choices(["segm", "bbox"]).default("segm"))
    .option("--gt-dir <dir>", "panoptic: folder of ground-truth PNGs (default: --gt without .json)")
    .option("--pred-dir <dir>", "panoptic: folder of predicted PNGs (default: --pred without .json)")
    .option("--config <config>", "panoptic or instance, instead of --pred/--gt: a run config whose model predicts panoptic segments or instances on its val data")
    .option("--checkpoint <file>", "with --config: the model's weights")
    .option("--set <key=value>", "with --config: override a config key (repeatable)", (v: string, all: string[]) => [...all, v], [] as string[])
    .addOption(new Option("--format <format>", "output format (instance and panoptic: text or json)").choices(["text", "markdown", "csv", "json"]).default("text"))
    .option("--json", "same as --format json")
    .action(async (opts: EvalCliOptions) => {
      const format = opts.json ? "json" : opts.format;
      if (opts.config !== undefined) {
        if (opts.task === "semantic") throw new Error("--config: --task semantic scores files (--pred, --gt); --task panoptic and --task instance evaluate a model (or use segkit test)");
        if (opts.checkpoint === undefined) throw new Error("--config needs --checkpoint (the model's weights)");
        if (format !== "text" && format !== "json") throw new Error(`--format ${format}: --task ${opts.task} writes text or json`);
        if (opts.iouType !== "segm") throw new Error(`--iou-type ${opts.iouType}: a model is scored by its masks (segm)`);
        const run = await loadRunConfig(opts.config, opts.set);
        const out = opts.task === "instance" ? await instanceModelReport(run, opts.checkpoint, format === "json") : panopticEvaluationReport(await evaluateModelPanoptic(run, opts.checkpoint), format === "json");
        process.stdout.write(out + "\n");
        return;
      }
      if (opts.pred === undefined || opts.gt === undefined) throw new Error(`--task ${opts.task} needs --pred and --gt${opts.task === "panoptic" ? " (or --config and --checkpoint)" : ""}`);
      const [pred, gt] = [opts.pred, opts.gt];
      if (opts.task !== "semantic") {
        if (format !== "text" && format !== "json") throw new Error(`--format ${format}: --task ${opts.task} writes text or json`);
        const out = opts.task === "instance" ? instanceReport(gt, pred, opts.iouType, format === "json") : await panopticReport({ gt, pred, gtDir: opts.gtDir, predDir: opts.predDir }, format === "json");
        process.stdout.write(out + "\n");
        return;
      }
      if (opts.classes === undefined) throw new Error("--classes is required for --task semantic");
      const classes = opts.classes;
      const names = opts.names ? await readNames(opts.names, classes) : undefined;
      const { matrix, images } = await evaluateFolders({ ...opts, pred, gt, classes });
      const summary = summarize(matrix, opts.absent);
      const pixels = matrix.counts.reduce((a, b) => a + b, 0);
      const out = format === "json" ? JSON.stringify({ images, pixels, ...summaryJSON(summary, names) }) : report(summary, format, { names });
      process.stdout.write(out + "\n");
    });
}

/** Counts every pair of same-named PNGs in the two folders into one matrix. */
export async function evaluateFolders(opts: EvalOptions): Promise<{ matrix: ConfusionMatrix; images: number }> {
  const [gtFiles, predFiles] = await Promise.all([listPngs(opts.gt, "--gt"), listPngs(opts.pred, "--pred")]);
  checkPartners(gtFiles, predFiles, opts);
  const matrix = new ConfusionMatrix(opts.classes, {
    ignoreIndex: opts.ignoreIndex,
    reduceZeroLabel: opts.reduceZeroLabel,
    outOfRange: opts.ignoreOutOfRange ? "ignore" : "error",
  });
  for (const name of gtFiles) {
    const [pred, gt] = await Promise.all([readLabelPng(join(opts.pred, name)), readLabelPng(join(opts.gt, name))]);
    if (pred.width !== gt.width || pred.height !== gt.height) {
      throw new Error(`size mismatch: ${pred.file} is ${pred.width}×${pred.height} but ${gt.file} is ${gt.width}×${gt.height}`);
    }
    try {
      matrix.update(pred.data, gt.data, gt.width);
    } catch (e) {
      if (e instanceof LabelValueError) {
        const hint = e.map === "ground truth" ? " (see --ignore-index and --ignore-out-of-range)" : "";
        throw new Error(`${e.map === "ground truth" ? gt.file : pred.file}: ${e.message}${hint}`);
      }
      throw e;
    }
  }
  return { matrix, images: gtFiles.length };
}

async function listPngs(dir: string, option: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    throw new Error(`${option} ${dir}: ${(e as Error).message}`);
  }
  const pngs = entries.filter((f) => f.toLowerCase().endsWith(".png")).sort();
  if (pngs.length === 0) throw new Error(`${option} ${dir} holds no .png files`);
  return pngs;
}

function checkPartners(gtFiles: string[], predFiles: string[], opts: EvalOptions): void {
  const missing = (files: string[], other: string[]) => {
    const present = new Set(other);
    return files.filter((f) => !present.has(f));
  };
  const noPred = missing(gtFiles, predFiles);
  const noGt = missing(predFiles, gtFiles);
  const show = (files: string[], dir: string) =>
    files.slice(0, 5).map((f) => join(dir, f)).join(", ") + (files.length > 5 ? ` and ${files.length - 5} more` : "");
  if (noPred.length) throw new Error(`${noPred.length} ground-truth file(s) have no prediction in ${opts.pred}: ${show(noPred, opts.gt)}`);
  if (noGt.length) throw new Error(`${noGt.length} prediction(s) have no ground truth in ${opts.gt}: ${show(noGt, opts.pred)}`);
}

async function readNames(file: string, k: number): Promise<string[]> {
  const names = (await readFile(file, "utf8")).split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  if (names.length !== k) throw new Error(`--names ${file} lists ${names.length} names but --classes is ${k}`);
  return names;
}

/** A commander parser for an integer option ≥ min; the error names the option. */
export function integer(option: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min) {
      throw new InvalidArgumentError(`${option} must be an integer${min > -Infinity ? ` ≥ ${min}` : ""}, got "${value}"`);
    }
    return n;
  };
}
