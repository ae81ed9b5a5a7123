// The Segment page: images picked, dropped or pasted (several at once) go to POST /v1/segment; each
// shows original / overlay / label side by side, redrawn here when the opacity or the legend's class
// toggles change; hover names the class and its confidence (the probability the model gives it: the
// server's confidence map, or the softmax in the in-browser mode); a per-class area table with bars;
// downloads of the label PNG (as the server made it) and of the overlay. With a second model chosen
// to compare with, its views follow and a third view marks the pixels where the two disagree.
import { listModels, segment, type Segmentation, type ServedModel } from "./api.js";
import { segmentInBrowser } from "./browser-model.js";
import { disagreement, drawDisagreement } from "./disagreement.js";
import { decodeIndexPng, type IndexMap } from "./png-indices.js";

interface Shown {
  result: Segmentation;
  labels: IndexMap;
  /** Per pixel, round(255 × the probability of its class). */
  confidence: Uint8Array;
  original: ImageData;
  overlay: HTMLCanvasElement;
  label: HTMLCanvasElement;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const shown: Shown[] = [];
const hidden = new Set<number>();
let models: ServedModel[] = [];

function base64Bytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function canvasOf(width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  [canvas.width, canvas.height] = [width, height];
  return canvas;
}

/** Overlay and label views from the labels, the opacity and the classes shown. */
function draw(item: Shown): void {
  const opacity = Number($<HTMLInputElement>("opacity").value);
  const { width, height, data } = item.labels;
  const overlay = new ImageData(width, height);
  const label = new ImageData(width, height);
  const colours = item.result.classes.map((c) => c.colour);
  for (let p = 0; p < data.length; p++) {
    const k = data[p];
    const on = !hidden.has(k);
    for (let ch = 0; ch < 3; ch++) {
      const source = item.original.data[4 * p + ch];
      overlay.data[4 * p + ch] = on ? Math.round((1 - opacity) * source + opacity * colours[k][ch]) : source;
      label.data[4 * p + ch] = on ? colours[k][ch] : 0;
    }
    overlay.data[4 * p + 3] = 255;
    label.data[4 * p + 3] = on ? 255 : 40;
  }
  item.overlay.getContext("2d")!.putImageData(overlay, 0, 0);
  item.label.getContext("2d")!.putImageData(label, 0, 0);
}

function redraw(): void {
  for (const item of shown) draw(item);
}

function legend(model: ServedModel): void {
  const box = $("legend");
  box.replaceChildren(...model.classes.map((c) => {
    const label = document.createElement("label");
    label.dataset.class = c.name;
    const toggle = document.createElement("input");
    toggle.type = "checkbox";
    toggle.checked = !hidden.has(c.index);
    toggle.addEventListener("change", () => {
      if (toggle.checked) hidden.delete(c.index);
      else hidden.add(c.index);
      redraw();
    });
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = `rgb(${c.colour.join(",")})`;
    label.append(toggle, swatch, c.name);
    return label;
  }));
}

function hover(canvas: HTMLCanvasElement, item: Shown): void {
  const tooltip = $("tooltip");
  canvas.addEventListener("mousemove", (e) => {
    const box = canvas.getBoundingClientRect();
    const x = Math.floor(((e.clientX - box.left) / box.width) * item.labels.width);
    const y = Math.floor(((e.clientY - box.top) / box.height) * item.labels.height);
    const k = item.labels.data[y * item.labels.width + x];
    if (k === undefined) return;
    tooltip.textContent = `${item.result.classes[k].name} · ${((100 * item.confidence[y * item.labels.width + x]) / 255).toFixed(0)}%`;
    tooltip.style.left = `${e.clientX + 12}px`;
    tooltip.style.top = `${e.clientY + 12}px`;
    tooltip.hidden = false;
  });
  canvas.addEventListener("mouseleave", () => (tooltip.hidden = true));
}

function areaTable(result: Segmentation): HTMLTableElement {
  const table = document.createElement("table");
  table.className = "areas";
  table.innerHTML = "<tr><th>class</th><th>pixels</th><th>%</th><th></th></tr>";
  for (const c of [...result.classes].sort((a, b) => b.pixels - a.pixels)) {
    const row = table.insertRow();
    row.insertCell().textContent = c.name;
    row.insertCell().textContent = String(c.pixels);
    row.insertCell().textContent = (100 * c.fraction).toFixed(1);
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${Math.round(150 * c.fraction)}px`;
    bar.style.background = `rgb(${c.colour.join(",")})`;
    row.insertCell().append(bar);
  }
  return table;
}

function download(text: string, href: string, file: string): HTMLAnchorElement {
  const a = document.createElement("a");
  [a.textContent, a.href, a.download] = [text, href, file];
  return a;
}

/** The server's segmentation of the file, or with the in-browser box ticked, this page's (onnxruntime-web). */
async function segmentation(file: File, model: string, original: ImageData): Promise<{ result: Segmentation; labels: IndexMap; confidence: Uint8Array; labelBytes: Uint8Array | null }> {
  if ($<HTMLInputElement>("in-browser").checked) {
    const served = models.find((m) => m.name === model);
    if (!served) throw new Error(`no model ${model}`);
    return { ...(await segmentInBrowser(served, original)), labelBytes: null };
  }
  const result = await segment(file, model);
  const labelBytes = base64Bytes(result.labelPng);
  const confidence = await decodeIndexPng(base64Bytes(result.confidencePng ?? ""), `${file.name} (confidence)`);
  return { result, labels: await decodeIndexPng(labelBytes, `${file.name} (labels)`), confidence: confidence.data as Uint8Array, labelBytes };
}

/** Segments the file with `model` and, when `other` names a second model, with that one too, compared. */
async function show(file: File, model: string, other: string): Promise<void> {
  const card = document.createElement("div");
  card.className = "result";
  card.innerHTML = `<h3></h3><p class="note">segmenting…</p>`;
  card.querySelector("h3")!.textContent = file.name;
  $("results").prepend(card);
  try {
    const bitmap = await createImageBitmap(file);
    const originalCanvas = canvasOf(bitmap.width, bitmap.height);
    const context = originalCanvas.getContext("2d")!;
    context.drawImage(bitmap, 0, 0);
    const original = context.getImageData(0, 0, bitmap.width, bitmap.height);
    const { result, labels, confidence, labelBytes } = await segmentation(file, model, original);
    const item: Shown = { result, labels, confidence, original, overlay: canvasOf(result.width, result.height), label: canvasOf(result.width, result.height) };
    const views = document.createElement("div");
    views.className = "views";
    const addView = (caption: string, view: string, canvas: HTMLCanvasElement, hovered: Shown | null) => {
      const figure = document.createElement("figure");
      canvas.dataset.view = view;
      const text = document.createElement("figcaption");
      text.textContent = caption;
      figure.append(canvas, text);
      if (hovered) hover(canvas, hovered);
      views.append(figure);
    };
    addView("original", "original", originalCanvas, item);
    addView("overlay", "overlay", item.overlay, item);
    addView("label", "label", item.label, item);
    const items = [item];
    let compared = "";
    if (other) {
      const second = await segmentation(file, other, original);
      const itemB: Shown = { ...second, original, overlay: canvasOf(result.width, result.height), label: canvasOf(result.width, result.height) };
      items.push(itemB);
      addView(`overlay: ${second.result.model}`, "overlay-b", itemB.overlay, itemB);
      const differ = disagreement(labels, second.labels);
      const map = canvasOf(result.width, result.height);
      drawDisagreement(map, original, differ);
      addView("where they disagree", "disagreement", map, null);
      card.dataset.disagreeing = String(differ.pixels);
      compared = `; ${second.result.model} disagrees on ${(100 * differ.fraction).toFixed(2)}% of pixels (${differ.pixels} of ${labels.data.length})`;
    }
    for (const shownItem of items) {
      draw(shownItem);
      shown.push(shownItem);
    }
    const stem = file.name.replace(/\.[^.]+$/, "");
    const links = document.createElement("p");
    // The server's label PNG holds class ids; in the browser mode the label view's colours stand in.
    const labelUrl = labelBytes ? URL.createObjectURL(new Blob([labelBytes as BlobPart], { type: "image/png" })) : item.label.toDataURL("image/png");
    links.append(download("label PNG", labelUrl, `${stem}_label.png`), " · ", download("overlay PNG", "#", `${stem}_overlay.png`));
    links.lastElementChild!.addEventListener("click", (e) => {
      (e.currentTarget as HTMLAnchorElement).href = item.overlay.toDataURL("image/png");
    });
    card.querySelector(".note")!.textContent = `${result.model}: ${result.width}×${result.height} in ${result.milliseconds.toFixed(0)} ms${compared}`;
    card.append(views, areaTable(result), links);
    card.dataset.state = "done";
  } catch (e) {
    card.querySelector(".note")!.className = "error";
    card.querySelector(".error")!.textContent = (e as Error).message;
    card.dataset.state = "failed";
  }
}

function segmentAll(files: Iterable<File>): void {
  const model = $<HTMLSelectElement>("model").value;
  const other = $<HTMLSelectElement>("compare").value;
  for (const file of files) if (file.type.startsWith("image/")) void show(file, model, other);
}

export async function initSegmentPage(): Promise<void> {
  const select = $<HTMLSelectElement>("model");
  const chosen = () => models.find((m) => m.name === select.value);
  select.addEventListener("change", () => {
    hidden.clear();
    const model = chosen();
    if (model) legend(model);
  });
  $<HTMLInputElement>("opacity").addEventListener("input", redraw);
  $<HTMLInputElement>("files").addEventListener("change", (e) => segmentAll((e.target as HTMLInputElement).files ?? []));
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    segmentAll(e.dataTransfer?.files ?? []);
  });
  document.addEventListener("paste", (e) => segmentAll(e.clipboardData?.files ?? []));
  try {
    models = await listModels();
    select.replaceChildren(...models.map((m) => new Option(`${m.name} (${m.engine})`, m.name)));
    $("compare").replaceChildren(new Option("(no other model)", ""), ...models.map((m) => new Option(`${m.name} (${m.engine})`, m.name)));
    if (models[0]) legend(models[0]);
    document.body.dataset.ready = "true";
  } catch (e) {
    $("results").innerHTML = `<p class="error"></p>`;
    $("results").querySelector("p")!.textContent = `cannot list the models: ${(e as Error).message}`;
    document.body.dataset.ready = "failed";
  }
}
