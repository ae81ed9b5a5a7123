// The Evaluate page: predicted and ground-truth label PNGs (two folders or file sets) paired by file
// name, scored in this page by @segkit/metrics exactly as `segkit eval` scores them (one confusion
// matrix over all pairs, mmsegmentation's conventions); shows mIoU, the per-class table and the
// confusion matrix as a heatmap (each ground-truth row in percent, the pixel count on hover), and the
// same JSON `segkit eval --json` prints.
import { ConfusionMatrix, summarize, summaryJSON } from "@segkit/metrics";
import { decodeIndexPng } from "./png-indices.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function byName(files: FileList | null): Map<string, File> {
  return new Map([...(files ?? [])].filter((f) => f.name.toLowerCase().endsWith(".png")).map((f) => [f.name, f]));
}

async function indices(file: File) {
  return decodeIndexPng(new Uint8Array(await file.arrayBuffer()), file.name);
}

/** `segkit eval --json`'s object for these files. */
export async function evaluateFiles(pred: Map<string, File>, gt: Map<string, File>, classes: number, ignoreIndex: number) {
  const names = [...gt.keys()].sort();
  const unpaired = [...names.filter((n) => !pred.has(n)), ...[...pred.keys()].filter((n) => !gt.has(n))];
  if (names.length === 0) throw new Error("no ground-truth PNG files chosen");
  if (unpaired.length > 0) throw new Error(`files without a partner of the same name: ${unpaired.slice(0, 5).join(", ")}`);
  const matrix = new ConfusionMatrix(classes, { ignoreIndex, outOfRange: "error" });
  for (const name of names) {
    const [p, g] = await Promise.all([indices(pred.get(name)!), indices(gt.get(name)!)]);
    if (p.width !== g.width || p.height !== g.height) throw new Error(`size mismatch: ${name} is ${p.width}×${p.height} predicted, ${g.width}×${g.height} in the ground truth`);
    matrix.update(p.data, g.data, g.width);
  }
  const pixels = matrix.counts.reduce((a, b) => a + b, 0);
  return { json: { images: names.length, pixels, ...summaryJSON(summarize(matrix, "mmseg")) }, matrix };
}

function heatmap(matrix: ConfusionMatrix): HTMLTableElement {
  const k = matrix.numClasses;
  const table = document.createElement("table");
  table.className = "heatmap";
  const header = table.insertRow();
  header.insertCell().textContent = "gt \\ pred";
  for (let j = 0; j < k; j++) header.insertCell().textContent = String(j);
  for (let i = 0; i < k; i++) {
    const row = table.insertRow();
    row.insertCell().textContent = String(i);
    const total = matrix.counts.slice(i * k, (i + 1) * k).reduce((a, b) => a + b, 0);
    for (let j = 0; j < k; j++) {
      const count = matrix.counts[i * k + j];
      const share = total > 0 ? count / total : 0;
      const cell = row.insertCell();
      cell.textContent = share > 0 ? (100 * share).toFixed(0) : "";
      // The cell shows the row's percentage; hovering gives the matrix's own count.
      cell.title = `ground truth ${i}, predicted ${j}: ${count} pixels`;
      cell.style.background = `rgba(21, 101, 192, ${share.toFixed(3)})`;
      cell.style.color = share > 0.5 ? "#fff" : "#000";
    }
  }
  return table;
}

export function initEvaluatePage(): void {
  $("eval-run").addEventListener("click", async () => {
    const output = $("eval-output");
    output.replaceChildren();
    output.dataset.state = "running";
    try {
      const classes = Number($<HTMLInputElement>("eval-classes").value);
      const ignore = Number($<HTMLInputElement>("eval-ignore").value);
      const { json, matrix } = await evaluateFiles(byName($<HTMLInputElement>("eval-pred").files), byName($<HTMLInputElement>("eval-gt").files), classes, ignore);
      const summary = document.createElement("p");
      summary.innerHTML = `<strong>mIoU</strong> `;
      summary.append(`${json.mIoU === null ? "n/a" : (100 * json.mIoU).toFixed(2)} over ${json.images} images, ${json.pixels} pixels`);
      const table = document.createElement("table");
      table.innerHTML = "<tr><th>class</th><th>IoU</th><th>Acc</th><th>Dice</th></tr>";
      json.IoU.forEach((iou, i) => {
        const row = table.insertRow();
        for (const v of [String(i), iou, json.Acc[i], json.Dice[i]]) row.insertCell().textContent = typeof v === "string" ? v : v === null ? "n/a" : (100 * v).toFixed(2);
      });
      const raw = document.createElement("pre");
      raw.id = "eval-json";
      raw.textContent = JSON.stringify(json);
      output.append(summary, table, heatmap(matrix), raw);
      output.dataset.state = "done";
    } catch (e) {
      const error = document.createElement("p");
      error.className = "error";
      error.textContent = (e as Error).message;
      output.append(error);
      output.dataset.state = "failed";
    }
  });
}
