// Messages between the server and a model's worker thread (model-worker.ts).
import { liveTensors } from "@segkit/torch";
import type { EngineName } from "../inference/engine.js";
import type { SamDecoderBackend } from "../models/sam/predictor.js";
import type { ClassInfo } from "../engine/class-info.js";

/** What a worker loads: a config file or shipped config name, weights (the model zoo's when absent), an engine. */
export interface ModelSpec {
  name: string;
  config: string;
  checkpoint?: string;
  engine: EngineName;
  /** libtorch intra-op threads, and onnxruntime's. */
  threads: number;
  /**
   * A Segment Anything model (`checkpoint`: its weights in the authors' layout) instead of a
   * segmentor, and what runs its prompt decoder; `config` is unused.
   */
  sam?: { decoderHeads: number; decoder: SamDecoderBackend };
}

export interface SegmentJob {
  kind: "segment";
  id: number;
  width: number;
  height: number;
  /** H×W×3 RGB (transferred). */
  pixels: Uint8Array;
  /** Blend an overlay with this opacity (none when absent). */
  overlayAlpha?: number;
  /** Also encode each pixel's confidence (the probability of its class, 0–255) as a grey PNG. */
  confidence?: boolean;
}

/** The model as ONNX for the page's in-browser mode: uint8 pixels (1×H×W×3) in, logits (1×K×H×W) out, any size. */
export interface OnnxJob {
  kind: "onnx";
  id: number;
}

/** SAM: encode an image once (the worker caches the embedding under a key of its pixels). */
export interface SamEmbedJob {
  kind: "sam-embed";
  id: number;
  width: number;
  height: number;
  /** H×W×3 RGB (transferred). */
  pixels: Uint8Array;
}

/** SAM: masks for clicks and/or a box (original image pixels) on a cached image. */
export interface SamMasksJob {
  kind: "sam-masks";
  id: number;
  image: string;
  points: { x: number; y: number; label: number }[];
  box?: [number, number, number, number];
  multimask: boolean;
}

/** SAM: "segment everything" (the automatic mask generator) on a cached image. */
export interface SamEverythingJob {
  kind: "sam-everything";
  id: number;
  image: string;
  pointsPerSide: number;
  predIouThresh: number;
  stabilityThresh: number;
}

export type SamJob = SamEmbedJob | SamMasksJob | SamEverythingJob;
export type WorkerJob = SegmentJob | OnnxJob | SamJob;

/** What a worker holds after a job (a leak shows as growth): native tensors and its own V8 isolate's memory. */
export interface WorkerHolding {
  liveTensors: number;
  /** Bytes of the worker's JS heap in use. */
  heapUsed: number;
  /** Bytes held outside the worker's JS heap by its objects (ArrayBuffers, Buffers). */
  external: number;
}

/** The calling worker's holding, for its replies. */
export function workerHolding(): WorkerHolding {
  const { heapUsed, external } = process.memoryUsage();
  return { liveTensors: liveTensors(), heapUsed, external };
}

export type WorkerMessage =
  | { type: "ready"; classes: ClassInfo; divisor: number; held: WorkerHolding }
  | { type: "failed"; message: string }
  | {
      type: "result"; id: number;
      /** The label map as an indexed PNG (16-bit grey beyond 256 classes). */
      labelPng: Uint8Array;
      counts: number[];
      /** The confidence map as an 8-bit PNG (palette of greys: value = round(255 × probability)) when asked. */
      confidencePng?: Uint8Array;
      /** H×W×3 RGB when the job asked for an overlay. */
      overlay?: Uint8Array;
      milliseconds: number;
      held: WorkerHolding;
    }
  | { type: "onnx"; id: number; bytes: Uint8Array }
  /** A SAM job's reply body (JSON). */
  | { type: "sam"; id: number; body: Record<string, unknown>; milliseconds: number; held: WorkerHolding }
  /** `status`: the HTTP status the client gets (a request error the worker found, e.g. 400 or 404); 500 without it. */
  | { type: "error"; id: number; message: string; status?: number };
