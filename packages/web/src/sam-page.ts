// The SAM page, shown when the server serves a Segment Anything model (`segkit serve --sam`): an
// image is encoded once on the server; a click adds a foreground point (shift-click: background), a
// drag sets the box, and the best mask (highest predicted IoU) for all of them is drawn over the
// image; "segment everything" colours every mask the automatic generator finds.
import { listSamModels, samEncode, samEverything, samMasks, type SamImage } from "./api.js";
import { decodeIndexPng } from "./png-indices.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const MASK_TINT = [30, 136, 229];
/** A drag shorter than this (image pixels) is a click. */
const CLICK = 3;

let encoded: SamImage | null = null;
let original: ImageData | null = null;
let points: { x: number; y: number; label: number }[] = [];
let box: number[] | null = null;

const bytesOf = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

function setState(state: string, note: string): void {
  $("page-sam").dataset.state = state;
  $("sam-note").textContent = note;
}

/** The image with `tint(index)` blended half over each pixel whose index is not 0. */
function paint(indices: ArrayLike<number>, tint: (index: number) => number[]): void {
  const image = original!;
  const out = new ImageData(image.width, image.height);
  for (let p = 0; p < indices.length; p++) {
    const colour = indices[p] ? tint(indices[p]) : null;
    for (let ch = 0; ch < 3; ch++) out.data[4 * p + ch] = colour ? Math.round(0.5 * image.data[4 * p + ch] + 0.5 * colour[ch]) : image.data[4 * p + ch];
    out.data[4 * p + 3] = 255;
  }
  const context = $<HTMLCanvasElement>("sam-canvas").getContext("2d")!;
  context.putImageData(out, 0, 0);
  for (const p of points) {
    context.fillStyle = p.label ? "#00e676" : "#ff1744";
    context.fillRect(p.x - 1, p.y - 1, 3, 3);
  }
  if (box) {
    context.strokeStyle = "#ffeb3b";
    context.strokeRect(box[0] + 0.5, box[1] + 0.5, box[2] - box[0], box[3] - box[1]);
  }
}

async function prompt(model: string): Promise<void> {
  setState("busy", "predicting…");
  const masks = await samMasks(model, encoded!.image, points, box);
  const best = masks.reduce((a, b) => (b.predictedIou > a.predictedIou ? b : a));
  const mask = await decodeIndexPng(bytesOf(best.png), "mask");
  paint(mask.data, () => MASK_TINT);
  setState("masked", `mask of ${best.area} pixels, predicted IoU ${best.predictedIou.toFixed(3)} (best of ${masks.length}); ${points.length} point(s)${box ? ", a box" : ""}`);
}

/** Image pixel under the mouse. */
function pixelAt(canvas: HTMLCanvasElement, e: MouseEvent): [number, number] {
  const r = canvas.getBoundingClientRect();
  return [Math.floor(((e.clientX - r.left) / r.width) * canvas.width), Math.floor(((e.clientY - r.top) / r.height) * canvas.height)];
}

export async function initSamPage(): Promise<void> {
  const served = await listSamModels();
  if (served.length === 0) return;
  $("sam-state").textContent = `SAM: ${served.join(", ")} served (the SAM page prompts it)`;
  $("nav-sam").hidden = false;
  const select = $<HTMLSelectElement>("sam-model");
  select.replaceChildren(...served.map((name) => new Option(name, name)));
  const canvas = $<HTMLCanvasElement>("sam-canvas");
  const guarded = (work: () => Promise<void>) => work().catch((e: Error) => setState("failed", e.message));

  $<HTMLInputElement>("sam-file").addEventListener("change", (e) => guarded(async () => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    setState("busy", "encoding the image on the server…");
    const bitmap = await createImageBitmap(file);
    [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
    const context = canvas.getContext("2d", { willReadFrequently: true })!;
    context.drawImage(bitmap, 0, 0);
    original = context.getImageData(0, 0, bitmap.width, bitmap.height);
    [points, box] = [[], null];
    encoded = await samEncode(file, select.value);
    setState("ready", `${encoded.width}×${encoded.height} encoded: click (shift-click: background) or drag a box`);
  }));

  let down: [number, number] | null = null;
  canvas.addEventListener("mousedown", (e) => (down = pixelAt(canvas, e)));
  canvas.addEventListener("mouseup", (e) => guarded(async () => {
    if (!encoded || !down) return;
    const [x, y] = pixelAt(canvas, e);
    const [x0, y0] = down;
    down = null;
    if (Math.abs(x - x0) < CLICK && Math.abs(y - y0) < CLICK) points.push({ x, y, label: e.shiftKey ? 0 : 1 });
    else box = [Math.min(x, x0), Math.min(y, y0), Math.max(x, x0), Math.max(y, y0)];
    await prompt(select.value);
  }));
  $("sam-clear").addEventListener("click", () => {
    [points, box] = [[], null];
    if (original) paint(new Uint8Array(original.width * original.height), () => MASK_TINT);
    if (encoded) setState("ready", "prompts cleared");
  });
  $("sam-everything").addEventListener("click", () => guarded(async () => {
    if (!encoded) return;
    setState("busy", "segmenting everything…");
    [points, box] = [[], null];
    const thresholds = { predIouThresh: Number($<HTMLInputElement>("sam-iou").value), stabilityThresh: Number($<HTMLInputElement>("sam-stability").value) };
    const { labelPng, masks } = await samEverything(select.value, encoded.image, thresholds);
    const map = await decodeIndexPng(bytesOf(labelPng), "masks");
    // Golden-angle hues tell neighbouring masks apart.
    paint(map.data, (i) => {
      const hue = (i * 137.508) % 360;
      const f = (n: number) => Math.round(255 * (0.5 + 0.5 * Math.cos(((hue - n) * Math.PI) / 180)));
      return [f(0), f(120), f(240)];
    });
    setState("everything", `${masks.length} masks`);
  }));
}
