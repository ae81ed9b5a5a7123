// SAM's prompt encoder + mask decoder run by onnxruntime-node, as the authors deploy the decoder
// (their scripts/export_onnx_model.py graph in onnxruntime). The model's own decoder is exported once
// (exportSamDecoder: one graph for any number of points) to a temporary file, loaded and the file
// removed; the session holds the weights as they were at creation. onnxruntime's kernels run the
// decoder faster than libtorch's small per-head ops (ViT-B at 1024², one click, one thread, loaded
// machine: the graph 82 ms against 163 ms for libtorch's whole predict). Prompts are the graph's: labelled points in the input frame, a box as two
// points labelled 2 and 3, a −1 padding point when there is no box, and a mask input switched by
// has_mask_input.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as Ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { DecodedMasks } from "./mask-decoder.js";
import { exportSamDecoder } from "./onnx-export.js";
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

export class SamOnnxPromptSession {
  private constructor(readonly ort: typeof Ort, readonly session: Ort.InferenceSession, readonly embeddingShape: number[], readonly maskInputSize: number[]) {}

  /** Exports `sam`'s prompt decoder and opens it with `threads` intra-op threads. */
  static async create(sam: Sam, threads: number): Promise<SamOnnxPromptSession> {
    // Loaded on first use, as the onnxruntime engine does.
    const ort = await import("onnxruntime-node");
    const folder = mkdtempSync(join(tmpdir(), "segkit-sam-decoder-"));
    try {
      const file = join(folder, "decoder.onnx");
      exportSamDecoder(sam, file);
      const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential" });
      const [h, w] = sam.prompt_encoder.embeddingSize;
      return new SamOnnxPromptSession(ort, session, [1, sam.prompt_encoder.embedDim, h, w], sam.prompt_encoder.maskInputSize);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  /**
   * All four masks' low-resolution logits (1, 4, 4h, 4w) and IoU predictions (1, 4) for one prompt on
   * an image embedding (1, C, h, w: its values, float32); the caller owns them.
   */
  async run(embedding: Float32Array, { points, labels, box, maskInput }: FramePrompt): Promise<DecodedMasks> {
    const coords = [...points, ...(box ?? [[0, 0]])];
    const kinds = [...labels, ...(box ? [2, 3] : [-1])];
    const [h, w] = this.maskInputSize;
    const mask = maskInput ? torch.tidy(() => maskInput.to("float32").contiguous().toTypedArray()) as Float32Array : new Float32Array(h * w);
    const { Tensor: OrtTensor } = this.ort;
    const result = await this.session.run({
      image_embeddings: new OrtTensor("float32", embedding, this.embeddingShape),
      point_coords: new OrtTensor("float32", Float32Array.from(coords.flat()), [1, coords.length, 2]),
      point_labels: new OrtTensor("float32", Float32Array.from(kinds), [1, kinds.length]),
      mask_input: new OrtTensor("float32", mask, [1, 1, h, w]),
      has_mask_input: new OrtTensor("float32", Float32Array.of(maskInput ? 1 : 0), [1]),
    });
    try {
      const out = (name: string) => torch.tensor(result[name].data as Float32Array, { shape: result[name].dims as number[] });
      return { masks: out("low_res_masks"), iou: out("iou_predictions") };
    } finally {
      for (const value of Object.values(result)) value.dispose();
    }
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
