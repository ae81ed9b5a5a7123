// A worker thread that owns a Segment Anything model for `segkit serve --sam`: it encodes each image
// once (the expensive part) and keeps the embeddings of the last few images, keyed by a hash of their
// pixels, so that each click, box or "segment everything" on the image runs off the event loop and
// without encoding again. Prompts are checked against the image's size here (400 naming the field).
// Clicks and boxes run the decoder the spec names: with onnxruntime, one session (the decoder
// exported as the worker starts) serves the predictors of every cached image. Jobs run one at a time.
import { createHash } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import * as torch from "@segkit/torch";
import { loadSam } from "../cli/sam.js";
import { encodeLabelPng } from "../io/label-png-writer.js";
import { rleDecode } from "@segkit/metrics";
import { SamAutomaticMaskGenerator, SamOnnxPromptSession, SamPredictor } from "../models/sam/index.js";
import { workerHolding, type ModelSpec, type SamEmbedJob, type SamEverythingJob, type SamJob, type SamMasksJob, type WorkerMessage } from "./worker-protocol.js";

const port = parentPort!;
const spec = workerData as ModelSpec;
const post = (message: WorkerMessage) => port.postMessage(message);
/** Embeddings kept: a few images open in pages at once. */
const CACHED_IMAGES = 4;
const MASK_PALETTE: [number, number, number][] = [[0, 0, 0], [255, 255, 255]];

class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

interface Cached {
  predictor: SamPredictor;
  width: number;
  height: number;
  pixels: Uint8Array;
}

async function start(): Promise<void> {
  torch.setNumThreads(spec.threads);
  const sam = loadSam(spec.checkpoint!, spec.sam!.decoderHeads);
  const session = spec.sam!.decoder === "onnxruntime" ? await SamOnnxPromptSession.create(sam, spec.threads) : null;
  const cache = new Map<string, Cached>();

  const cached = (image: string): Cached => {
    const entry = cache.get(image);
    if (!entry) throw new RequestError(404, `image: "${image}" is not (or no longer) cached; POST the image to /v1/sam/images again`);
    cache.delete(image); // most recently used last
    cache.set(image, entry);
    return entry;
  };

  const embed = ({ width, height, pixels }: SamEmbedJob) => {
    const image = createHash("sha256").update(`${width}x${height}:`).update(pixels).digest("hex").slice(0, 32);
    if (cache.has(image)) return { image, width, height, cached: true };
    const predictor = new SamPredictor(sam, session ? { decoder: "onnxruntime", session } : {});
    torch.tidy(() => predictor.setImage(torch.tensor(pixels, { shape: [height, width, 3] })));
    cache.set(image, { predictor, width, height, pixels });
    for (const [key, old] of cache) {
      if (cache.size <= CACHED_IMAGES) break;
      void old.predictor.dispose(); // frees the image's tensors at once; the session is the worker's
      cache.delete(key);
    }
    return { image, width, height, cached: false };
  };

  const inside = (field: string, x: number, y: number, { width, height }: Cached) => {
    if (!(x >= 0 && x <= width && y >= 0 && y <= height)) throw new RequestError(400, `${field}: (${x}, ${y}) is outside the ${width}×${height} image`);
  };

  const masks = async (job: SamMasksJob) => {
    const entry = cached(job.image);
    job.points.forEach((p, i) => inside(`points[${i}]`, p.x, p.y, entry));
    if (job.box) {
      inside("box (top left)", job.box[0], job.box[1], entry);
      inside("box (bottom right)", job.box[2], job.box[3], entry);
    }
    const { width, height } = entry;
    const out = await entry.predictor.predictAsync({ points: job.points.length > 0 ? job.points : undefined, box: job.box, multimask: job.multimask });
    try {
      const ious = out.iou.toArray();
      const binary = torch.tidy(() => out.logits.gt(sam.maskThreshold).to("uint8").toTypedArray()) as Uint8Array;
      const area = width * height;
      return {
        width, height,
        masks: ious.map((iou, i) => {
          const mask = binary.subarray(i * area, (i + 1) * area);
          return { predictedIou: iou, area: mask.reduce((a, b) => a + b, 0), png: encodeLabelPng(mask, width, height, MASK_PALETTE).toString("base64") };
        }),
      };
    } finally {
      for (const t of [out.logits, out.iou, out.lowRes]) t.dispose();
    }
  };

  const everything = (job: SamEverythingJob) => {
    const { width, height, pixels, predictor } = cached(job.image);
    const generator = new SamAutomaticMaskGenerator(sam, { pointsPerSide: job.pointsPerSide, predIouThresh: job.predIouThresh, stabilityScoreThresh: job.stabilityThresh });
    try {
      const records = torch.tidy(() => generator.generate(torch.tensor(pixels, { shape: [height, width, 3] }), predictor));
      // One map: pixel = 1 + the mask it shows (0: none); larger masks first, so smaller ones stay on top.
      const order = records.map((_, i) => i).sort((a, b) => records[b].area - records[a].area);
      const map = new Uint16Array(width * height);
      for (const i of order) rleDecode(records[i].segmentation).forEach((on, p) => on && (map[p] = i + 1));
      const labels = records.length < 256 ? Uint8Array.from(map) : map;
      const palette = Array.from({ length: records.length + 1 }, (_, i): [number, number, number] => [i & 255, i >> 8, 0]);
      return {
        width, height,
        masks: records.map((r) => ({ area: r.area, bbox: r.bbox, predictedIou: r.predictedIou, stabilityScore: r.stabilityScore })),
        labelPng: encodeLabelPng(labels, width, height, palette).toString("base64"),
      };
    } finally {
      generator.dispose();
    }
  };

  const run = async (job: SamJob) => {
    const started = performance.now();
    try {
      const body = job.kind === "sam-embed" ? embed(job) : job.kind === "sam-masks" ? await masks(job) : everything(job);
      post({ type: "sam", id: job.id, body, milliseconds: performance.now() - started, held: workerHolding() });
    } catch (e) {
      post({ type: "error", id: job.id, message: (e as Error).message, ...(e instanceof RequestError ? { status: e.status } : {}) });
    }
  };

  const close = async () => {
    for (const entry of cache.values()) await entry.predictor.dispose();
    await session?.dispose();
    sam.dispose();
    port.close();
  };

  // One job at a time, in order: a click awaiting onnxruntime must not see its image evicted.
  let queue = Promise.resolve();
  port.on("message", (job: SamJob | "close") => {
    queue = queue.then(() => (job === "close" ? close() : run(job)));
  });
  post({ type: "ready", classes: { classes: [], palette: [] }, divisor: 1, held: workerHolding() });
}

start().catch((e: Error) => post({ type: "failed", message: `SAM model ${spec.name}: ${e.message}` }));
