// The Training page: a run started with `segkit train CONFIG --serve` streams its steps and
// validations (Server-Sent Events from the trainer's dashboard hook); loss, lr and mIoU curves,
// per-class IoU bars and the predictions on a few fixed validation images follow them live.
import { decodeIndexPng } from "./png-indices.js";

interface Step {
  kind: "step";
  iteration: number;
  total: number;
  loss: number;
  lr: number;
}
interface Validation {
  kind: "val";
  iteration: number;
  mIoU: number | null;
  classes: string[];
  IoU: (number | null)[];
}

interface SampleImages {
  kind: "samples";
  iteration: number;
  palette: [number, number, number][];
  samples: { name: string; width: number; height: number; imageJpeg: string; truthPng: string; predictionPng: string }[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const steps: Step[] = [];
const validations: Validation[] = [];
let source: EventSource | null = null;
let shownSamples: Promise<unknown> = Promise.resolve();

/** A line chart of (x, y) points scaled to the canvas. */
function plot(canvas: HTMLCanvasElement, points: [number, number][], colour: string): void {
  const context = canvas.getContext("2d")!;
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (points.length === 0) return;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const pad = 24;
  const at = (x: number, y: number): [number, number] => [
    pad + ((x - x0) / (x1 - x0 || 1)) * (canvas.width - 2 * pad),
    canvas.height - pad - ((y - y0) / (y1 - y0 || 1)) * (canvas.height - 2 * pad),
  ];
  context.strokeStyle = colour;
  context.lineWidth = 2;
  context.beginPath();
  points.forEach(([x, y], i) => (i === 0 ? context.moveTo(...at(x, y)) : context.lineTo(...at(x, y))));
  context.stroke();
  context.fillStyle = "#555";
  context.font = "11px sans-serif";
  context.fillText(y1.toPrecision(3), 2, pad - 6);
  context.fillText(y0.toPrecision(3), 2, canvas.height - 6);
}

function classBars(last: Validation): void {
  const table = $<HTMLTableElement>("class-iou");
  table.innerHTML = "<tr><th>class</th><th>IoU</th><th></th></tr>";
  last.classes.forEach((name, i) => {
    const row = table.insertRow();
    const iou = last.IoU[i];
    row.insertCell().textContent = name;
    row.insertCell().textContent = iou === null ? "n/a" : (100 * iou).toFixed(1);
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${Math.round(200 * (iou ?? 0))}px`;
    row.insertCell().append(bar);
  });
}

function render(): void {
  const last = steps.at(-1);
  const val = validations.at(-1);
  const status = $("train-status");
  if (last) {
    status.textContent = `iteration ${last.iteration} / ${last.total}: loss ${last.loss.toFixed(4)}, lr ${last.lr.toExponential(2)}` +
      (val ? `; mIoU ${val.mIoU === null ? "n/a" : (100 * val.mIoU).toFixed(2)} at ${val.iteration}` : "");
    status.dataset.iteration = String(last.iteration);
    status.dataset.events = String(steps.length + validations.length);
  }
  plot($("chart-loss"), steps.map((s) => [s.iteration, s.loss]), "#c62828");
  plot($("chart-lr"), steps.map((s) => [s.iteration, s.lr]), "#1565c0");
  plot($("chart-miou"), validations.filter((v) => v.mIoU !== null).map((v) => [v.iteration, v.mIoU!]), "#2e7d32");
  if (val) classBars(val);
}

const bytesOf = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** A canvas with the class colours of `labels` blended half over the image (palette index past the colours: the image). */
async function overlayCanvas(image: ImageData, png: string, palette: [number, number, number][], what: string): Promise<HTMLCanvasElement> {
  const labels = await decodeIndexPng(bytesOf(png), what);
  const out = new ImageData(image.width, image.height);
  for (let p = 0; p < labels.data.length; p++) {
    const colour = palette[labels.data[p]];
    for (let ch = 0; ch < 3; ch++) out.data[4 * p + ch] = colour ? Math.round(0.5 * image.data[4 * p + ch] + 0.5 * colour[ch]) : image.data[4 * p + ch];
    out.data[4 * p + 3] = 255;
  }
  return canvasWith(out);
}

function canvasWith(image: ImageData): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  [canvas.width, canvas.height] = [image.width, image.height];
  canvas.getContext("2d")!.putImageData(image, 0, 0);
  return canvas;
}

/** Each sample: the image, its ground truth and the prediction at this validation, as overlays. */
async function showSamples(event: SampleImages): Promise<void> {
  const rows = await Promise.all(event.samples.map(async (sample) => {
    const bitmap = await createImageBitmap(new Blob([bytesOf(sample.imageJpeg) as BlobPart], { type: "image/jpeg" }));
    const context = document.createElement("canvas").getContext("2d", { willReadFrequently: true })!;
    [context.canvas.width, context.canvas.height] = [sample.width, sample.height];
    context.drawImage(bitmap, 0, 0);
    const image = context.getImageData(0, 0, sample.width, sample.height);
    const row = document.createElement("div");
    row.className = "views";
    const views: [string, HTMLCanvasElement][] = [
      ["image", context.canvas],
      ["truth", await overlayCanvas(image, sample.truthPng, event.palette, `${sample.name} (ground truth)`)],
      ["prediction", await overlayCanvas(image, sample.predictionPng, event.palette, `${sample.name} (prediction)`)],
    ];
    for (const [view, canvas] of views) {
      const figure = document.createElement("figure");
      canvas.dataset.view = view;
      const caption = document.createElement("figcaption");
      caption.textContent = view === "image" ? sample.name : view;
      figure.append(canvas, caption);
      row.append(figure);
    }
    return row;
  }));
  const box = $("val-samples");
  box.replaceChildren(...rows);
  box.dataset.iteration = String(event.iteration);
}

/** Connects to the run's event stream (once: EventSource reconnects by itself). */
export function showTrainingPage(): void {
  if (source) return;
  source = new EventSource("v1/train/events");
  source.addEventListener("message", (e: MessageEvent<string>) => {
    const event = JSON.parse(e.data) as Step | Validation | SampleImages;
    if (event.kind === "samples") {
      // Rendered in arrival order: a later validation's samples never give way to an earlier one's.
      shownSamples = shownSamples.then(() => showSamples(event)).catch((error: Error) => ($("val-samples").textContent = `cannot show the samples: ${error.message}`));
      return;
    }
    if (event.kind === "step") steps.push(event);
    else validations.push(event);
    render();
  });
}
