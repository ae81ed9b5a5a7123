// The reports of `segkit eval --task instance` (COCOeval's 12 numbers and AP per category) and
// `--task panoptic` (PQ/SQ/RQ for all, things and stuff, and per category), as text or JSON.
import { COCO_STAT_NAMES, type CocoIouType } from "@segkit/metrics";
import { evaluateCocoInstances, type CocoInstanceEvaluation } from "../engine/coco-instance-eval.js";
import { evaluateCocoPanoptic, type CocoPanopticEvaluation, type CocoPanopticFiles } from "../engine/coco-panoptic-eval.js";
import { build } from "../config/registry.js";
import type { Dataset } from "../data/types.js";
import { evaluateInstanceModel } from "../engine/instance-evaluate.js";
import { loadInstanceModel } from "../engine/instance-predict.js";
import type { RunConfig } from "../engine/run-config.js";

const STAT_LABELS: Record<(typeof COCO_STAT_NAMES)[number], string> = {
  AP: "AP @[IoU=0.50:0.95 | area=all | maxDets=100]",
  AP50: "AP @[IoU=0.50 | area=all | maxDets=100]",
  AP75: "AP @[IoU=0.75 | area=all | maxDets=100]",
  APs: "AP @[IoU=0.50:0.95 | area=small | maxDets=100]",
  APm: "AP @[IoU=0.50:0.95 | area=medium | maxDets=100]",
  APl: "AP @[IoU=0.50:0.95 | area=large | maxDets=100]",
  AR1: "AR @[IoU=0.50:0.95 | area=all | maxDets=1]",
  AR10: "AR @[IoU=0.50:0.95 | area=all | maxDets=10]",
  AR100: "AR @[IoU=0.50:0.95 | area=all | maxDets=100]",
  ARs: "AR @[IoU=0.50:0.95 | area=small | maxDets=100]",
  ARm: "AR @[IoU=0.50:0.95 | area=medium | maxDets=100]",
  ARl: "AR @[IoU=0.50:0.95 | area=large | maxDets=100]",
};

export function instanceReport(gt: string, pred: string, iouType: CocoIouType, json: boolean): string {
  return formatInstanceReport(evaluateCocoInstances(gt, pred, iouType), iouType, json);
}

/** The report of a COCO instance evaluation (from files, or of an instance model on a dataset: `segkit test`). */
export function formatInstanceReport({ result, categories, images, detections }: CocoInstanceEvaluation, iouType: CocoIouType, json: boolean): string {
  const perCategory = result.perCategory.map(({ categoryId, ap }) => ({ id: categoryId, name: categories.find((c) => c.id === categoryId)!.name, ap }));
  if (json) return JSON.stringify({ task: "instance", iouType, images, detections, stats: result.stats, perCategory });
  const width = Math.max(...perCategory.map((c) => c.name.length));
  return [
    `COCO ${iouType === "segm" ? "mask" : "box"} evaluation: ${images} images, ${categories.length} categories, ${detections} detections (-1: no ground truth)`,
    ...COCO_STAT_NAMES.map((name) => `${name.padEnd(6)} ${STAT_LABELS[name].padEnd(48)} ${result.stats[name].toFixed(4)}`),
    "",
    "AP per category",
    ...perCategory.map((c) => `  ${c.name.padEnd(width)}  ${c.ap.toFixed(4)}`),
  ].join("\n");
}

/** `segkit test --task instance` and `segkit eval --task instance --config`: the mask AP of the config's instance model (or segmentor with instance inference) on its validation dataset. */
export async function instanceModelReport(run: RunConfig, checkpoint: string, json: boolean): Promise<string> {
  const loaded = loadInstanceModel(run, checkpoint);
  try {
    const dataset = build<Dataset & { isThing?: boolean[] }>("dataset", run.data.val.dataset, "config.data.val.dataset");
    return formatInstanceReport(await evaluateInstanceModel(loaded, dataset, "config.data.val.dataset"), "segm", json);
  } finally {
    loaded.model.dispose();
  }
}

export async function panopticReport(files: CocoPanopticFiles, json: boolean): Promise<string> {
  return panopticEvaluationReport(await evaluateCocoPanoptic(files), json);
}

export function panopticEvaluationReport({ result, categories, images }: CocoPanopticEvaluation, json: boolean): string {
  const perCategory = result.perClass.map((r, c) => ({ id: categories[c].id, name: categories[c].name, isThing: categories[c].isThing, ...r }));
  if (json) return JSON.stringify({ task: "panoptic", images, all: result.all, things: result.things, stuff: result.stuff, perCategory });
  const pct = (v: number) => (100 * v).toFixed(2).padStart(7);
  const width = Math.max(6, ...categories.map((c) => c.name.length));
  const row = (name: string, r: { pq: number; sq: number; rq: number }, rest: string) => `${name.padEnd(width)} ${pct(r.pq)} ${pct(r.sq)} ${pct(r.rq)}  ${rest}`;
  return [
    `COCO panoptic evaluation: ${images} images, ${categories.length} categories`,
    `${"".padEnd(width)} ${"PQ".padStart(7)} ${"SQ".padStart(7)} ${"RQ".padStart(7)}`,
    row("All", result.all, `n=${result.all.n}`),
    row("Things", result.things, `n=${result.things.n}`),
    row("Stuff", result.stuff, `n=${result.stuff.n}`),
    "",
    ...perCategory.map((c) => row(c.name, c, `${c.isThing ? "thing" : "stuff"} tp=${c.tp} fp=${c.fp} fn=${c.fn}`)),
  ].join("\n");
}
