// The in-browser mode: the served model, exported by the server as ONNX (normalisation in the graph,
// logits out), runs in this page on onnxruntime-web's WebAssembly backend (loaded from /ort/, which
// the server serves) — no server compute per image; the argmax and each pixel's confidence (the
// softmax maximum) are taken here. One session per model, made on first use.
import { fetchOnnx, type Segmentation, type ServedModel } from "./api.js";
import type { IndexMap } from "./png-indices.js";

interface OrtTensor {
  data: ArrayLike<number>;
}
interface OrtSession {
  inputNames: string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}
interface Ort {
  env: { wasm: { wasmPaths: string; numThreads: number } };
  Tensor: new (type: "uint8", data: Uint8Array, dims: number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: { executionProviders: string[] }): Promise<OrtSession> };
}

let runtime: Promise<Ort> | null = null;
const sessions = new Map<string, Promise<OrtSession>>();

function loadRuntime(): Promise<Ort> {
  runtime ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "ort/ort.wasm.min.js"; // the WebAssembly-only build
    script.onload = () => {
      const ort = (globalThis as unknown as { ort: Ort }).ort;
      ort.env.wasm.wasmPaths = new URL("ort/", location.href).href; // resolved against the page, not a module
      ort.env.wasm.numThreads = 1; // threads need a cross-origin-isolated page
      resolve(ort);
    };
    script.onerror = () => reject(new Error("cannot load onnxruntime-web from ort/"));
    document.head.append(script);
  });
  return runtime;
}

function sessionOf(ort: Ort, model: string): Promise<OrtSession> {
  let session = sessions.get(model);
  if (!session) {
    session = fetchOnnx(model).then((bytes) => ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] }));
    session.catch(() => sessions.delete(model));
    sessions.set(model, session);
  }
  return session;
}

/** Class ids and confidences, round(255 × the softmax maximum), from K×H×W logits. */
function labelsAndConfidence(logits: ArrayLike<number>, classes: number, pixels: number): { data: Uint16Array; confidence: Uint8Array } {
  const data = new Uint16Array(pixels);
  const confidence = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[k * pixels + p] > logits[best * pixels + p]) best = k;
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(logits[k * pixels + p] - logits[best * pixels + p]);
    data[p] = best;
    confidence[p] = Math.round(255 / sum);
  }
  return { data, confidence };
}

export async function segmentInBrowser(model: ServedModel, image: ImageData): Promise<{ result: Segmentation; labels: IndexMap; confidence: Uint8Array }> {
  const { width, height } = image;
  if (width % model.divisor !== 0 || height % model.divisor !== 0) {
    throw new Error(`in-browser mode: ${model.name} needs sides that are multiples of ${model.divisor}; this image is ${width}×${height}`);
  }
  const ort = await loadRuntime();
  const session = await sessionOf(ort, model.name);
  const pixels = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) pixels.set(image.data.subarray(4 * p, 4 * p + 3), 3 * p);
  const started = performance.now();
  const output = await session.run({ [session.inputNames[0]]: new ort.Tensor("uint8", pixels, [1, height, width, 3]) });
  const milliseconds = performance.now() - started;
  const { data, confidence } = labelsAndConfidence(output.logits.data, model.classes.length, width * height);
  const counts = new Array<number>(model.classes.length).fill(0);
  for (const k of data) counts[k]++;
  const classes = model.classes.map((c, i) => ({ ...c, pixels: counts[i], fraction: counts[i] / data.length }));
  return { result: { model: `${model.name} (in the browser)`, width, height, milliseconds, classes, labelPng: "" }, labels: { width, height, data }, confidence };
}
