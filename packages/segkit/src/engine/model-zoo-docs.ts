// docs/model-zoo.md, written from the zoo's manifests by `npm run docs` (a test fails when stale).
import type { ZooEntry, ZooManifest } from "./model-zoo.js";

const percent = (v: number | null): string => (v === null ? "–" : (v * 100).toFixed(1));

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

function row(m: ZooManifest): string {
  const resumptions = m.sessions.filter((s) => s.event === "start").length - 1;
  const logs = `[log](model-zoo/${m.config}/scalars.jsonl), [loss](model-zoo/${m.config}/loss.svg), [val mIoU](model-zoo/${m.config}/val_miou.svg)`;
  return [
    `\`${m.config}\``, (m.parameters / 1e6).toFixed(2), m.gflops.toFixed(2), m.latency.libtorch.toFixed(1),
    m.latency.onnxruntime === null ? "–" : m.latency.onnxruntime.toFixed(1), percent(m.val.single.mIoU), percent(m.val.flip.mIoU),
    m.iterations.toString(), `${duration(m.trainingSeconds)}${resumptions > 0 ? ` (${resumptions} resumption${resumptions > 1 ? "s" : ""})` : ""}`,
    `[config](../packages/segkit/configs/${m.config}.json)`, logs,
  ].join(" | ");
}

function classTable(m: ZooManifest): string[] {
  const names = Object.keys(m.val.single.classIoU);
  return [
    `### \`${m.config}\`: IoU per class (val, single scale)`, "",
    `| ${names.join(" | ")} |`, `|${names.map(() => "---:").join("|")}|`,
    `| ${names.map((n) => percent(m.val.single.classIoU[n])).join(" | ")} |`, "",
    `CPU: ${m.latency.cpu}. Sessions: ${m.sessions.filter((s) => s.event === "start").map((s) => `${s.time} from iteration ${s.iteration}`).join("; ")}.`, "",
  ];
}

export function modelZooMarkdown(entries: readonly ZooEntry[]): string {
  const lines = [
    "# Model zoo",
    "",
    "<!-- written by `npm run docs` from packages/segkit/zoo/*.json; edit those, not this file -->",
    "",
    "Trained weights that ship inside the `segkit` package (float16 safetensors in `packages/segkit/zoo`, each with a manifest:",
    "sha256, config, every training session, iterations, training time, CPU, validation scores). `segkit test NAME` and",
    "`segkit predict NAME IMAGES... --out DIR` use them when no checkpoint is given. Every model is trained from random",
    "initialisation on the CamVid train split only; scores are of the last checkpoint of the fixed schedule (not the best",
    "validation point), measured on the val split after the float16 conversion. Latency: median ms per 360×480 image padded",
    "as the val pipeline pads, batch 1, BatchNorm folded (libtorch) / exported graph (onnxruntime-node).",
    "",
  ];
  if (entries.length === 0) {
    lines.push("No trained weights ship yet: see docs/results.md for the trainings under way.", "");
    return lines.join("\n");
  }
  lines.push(
    "| config | params (M) | GFLOPs | libtorch ms | onnxruntime ms | val mIoU | val mIoU, flip | iterations | training time | config | log and curves |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ...entries.map((e) => `| ${row(e.manifest)} |`),
    "",
    ...entries.flatMap((e) => classTable(e.manifest)),
  );
  return lines.join("\n");
}
