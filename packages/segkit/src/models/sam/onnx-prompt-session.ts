// SAM's prompt encoder + mask decoder run by onnxruntime-node, as the authors deploy the decoder
// (their scripts/export_onnx_model.py graph in onnxruntime). The model's own decoder is exported
// (one graph for any number of points) to a temporary file, loaded and the file removed; a session
// holds the weights as they were when it was made. Prompts without a mask input run the
// prepared-image graph (SamPreparedDecoder: the image side made once per image, as libtorch's path
// does); prompts with one run the whole graph (SamPromptDecoder, on the embedding), exported on
// first need. onnxruntime's kernels run the decoder faster than libtorch's small per-head ops (ViT-B
// at 1024², one click, one intra-op thread, loaded machine: 70 ms per prompt against libtorch's 147;
// 96 through the whole graph).
// Prompts are the graphs': labelled points in the input frame, a box as two points labelled 2 and
// 3, a −1 padding point when there is no box.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as Ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { DecodedMasks } from "./mask-decoder.js";
import { exportSamDecoder } from "./onnx-export.js";
import { exportSamPreparedDecoder, SAM_PREPARED_DECODER_INPUTS } from "./onnx-prepared-decoder.js";
import type { Sam } from "./sam.js";

/** One prompt in the model's input frame. */
export interface FramePrompt {
  /** (x, y) of each point and its label (1 foreground, 0 background). */
  points: number[][];
  labels: number[];
  /** Corners [[x0, y0], [x1, y1]]. */
  box: number[][] | null;
  /** Low-resolution logits (1, 4h, 4w). */
  maskInput: Tensor | null;
}

/** A tensor's values, as the graphs are fed. */
export interface GraphValues {
  data: Float32Array;
  dims: number[];
}

export function graphValues(t: Tensor): GraphValues {
  return { data: torch.tidy(() => t.to("float32").contiguous().toTypedArray()) as Float32Array, dims: t.shape };
}

/** One image as the graphs take it: its prepared side (decoderImageTensors' order) and, for prompts with a mask input, its embedding. */
export interface GraphImage {
  prepared: GraphValues[];
  embedding?: GraphValues;
}

/** A FramePrompt with its mask input's values (1, 4h, 4w). */
export type GraphPrompt = Omit<FramePrompt, "maskInput"> & { maskInput: GraphValues | null };

async function openExported(ort: typeof Ort, write: (file: string) => number, threads: number): Promise<Ort.InferenceSession> {
  const folder = mkdtempSync(join(tmpdir(), "segkit-sam-decoder-"));
  try {
    const file = join(folder, "decoder.onnx");
    write(file);
    // Worker threads sleep between kernels instead of spinning: a prompt is ~200 short kernels, and
    // a spinning worker that another process preempts holds up every one (ViT-B at 1024², 2 threads
    // beside a background job: 49 ms per graph run spinning, 28 sleeping; 25 with one thread).
    return await ort.InferenceSession.create(file, {
      intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential",
      extra: { session: { "intra_op.allow_spinning": "0" } },
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export class SamOnnxPromptSession {
  /** The whole graph, for prompts with a mask input. */
  #whole: Promise<Ort.InferenceSession> | null = null;

  private constructor(readonly ort: typeof Ort, readonly sam: Sam, readonly threads: number, readonly prepared: Ort.InferenceSession) {}

  /** Exports `sam`'s prepared-image decoder and opens it with `threads` intra-op threads. */
  static async create(sam: Sam, threads: number): Promise<SamOnnxPromptSession> {
    // Loaded on first use, as the onnxruntime engine does.
    const ort = await import("onnxruntime-node");
    return new SamOnnxPromptSession(ort, sam, threads, await openExported(ort, (file) => exportSamPreparedDecoder(sam, file), threads));
  }

  /** All four masks' low-resolution logits (1, 4, 4h, 4w) and IoU predictions (1, 4) for one prompt on `image`; the caller owns them. */
  async run(image: GraphImage, { points, labels, box, maskInput }: GraphPrompt): Promise<DecodedMasks> {
    const coords = [...points, ...(box ?? [[0, 0]])];
    const kinds = [...labels, ...(box ? [2, 3] : [-1])];
    const feed = ({ data, dims }: GraphValues) => new this.ort.Tensor("float32", data, dims);
    const prompt = {
      point_coords: feed({ data: Float32Array.from(coords.flat()), dims: [1, coords.length, 2] }),
      point_labels: feed({ data: Float32Array.from(kinds), dims: [1, kinds.length] }),
    };
    let result: Ort.InferenceSession.ReturnType;
    if (maskInput) {
      if (!image.embedding) throw new Error("SamOnnxPromptSession: a prompt with a mask input needs the image's embedding");
      const embedding = feed(image.embedding);
      this.#whole ??= openExported(this.ort, (file) => exportSamDecoder(this.sam, file), this.threads);
      result = await (await this.#whole).run({
        image_embeddings: embedding, ...prompt,
        mask_input: feed({ data: maskInput.data, dims: [1, ...maskInput.dims] }), has_mask_input: feed({ data: Float32Array.of(1), dims: [1] }),
      });
    } else {
      result = await this.prepared.run({ ...Object.fromEntries(SAM_PREPARED_DECODER_INPUTS.slice(0, 5).map((name, i) => [name, feed(image.prepared[i])])), ...prompt });
    }
    try {
      const out = (name: string) => torch.tensor(result[name].data as Float32Array, { shape: result[name].dims as number[] });
      return { masks: out("low_res_masks"), iou: out("iou_predictions") };
    } finally {
      for (const value of Object.values(result)) value.dispose();
    }
  }

  async dispose(): Promise<void> {
    const whole = this.#whole;
    this.#whole = null;
    await this.prepared.release();
    if (whole) await (await whole).release();
  }
}
