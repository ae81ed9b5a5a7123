// The interactive SAM workflow (the authors' SamPredictor): setImage runs the image encoder once and
// keeps the embedding; each predict() then runs only the prompt encoder and mask decoder, so many
// prompts on one image are cheap. Prompts are in original image pixels; masks come back at the
// original size. Everything of the decoder that does not depend on the prompt (the image tokens, their
// position encoding, the first transformer block's image-side projections) is made once per image.
// The predictor owns these tensors: dispose() frees them. The decoder runs in libtorch (predict,
// synchronous) or in onnxruntime (predictAsync; the model's decoder exported once per predictor,
// with libtorch's intra-op thread count, or a session the predictors of one model share, and fed the
// same prepared image): the same numbers up to rounding, faster per prompt. Batched prompts
// (predictInputFrame, the automatic mask generator's) run on libtorch whatever the decoder.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Sam } from "./sam.js";
import { decoderImageTensors, type DecoderImage } from "./two-way-transformer.js";
import type { Prompts } from "./prompt-encoder.js";
import { resizeLongestSide, scaleCoords } from "./resize-longest-side.js";
import { graphValues, SamOnnxPromptSession, type FramePrompt, type GraphImage } from "./onnx-prompt-session.js";

/** One click: (x, y) in original image pixels; label 1 foreground (default), 0 background. */
export interface PointPrompt {
  x: number;
  y: number;
  label?: number;
}

export interface PredictRequest {
  points?: PointPrompt[];
  /** x0, y0, x1, y1 in original image pixels. */
  box?: [number, number, number, number];
  /** Low-resolution logits (1, 4h, 4w) from an earlier prediction, to refine it. */
  maskInput?: Tensor;
  /** Three masks for an ambiguous prompt (default true); one otherwise. */
  multimask?: boolean;
}

export interface Prediction {
  /** Mask logits (M, H, W) at the original size; foreground where > model.maskThreshold. */
  logits: Tensor;
  /** Predicted IoU of each mask (M). */
  iou: Tensor;
  /** Low-resolution logits (M, 4h, 4w), usable as a later maskInput. */
  lowRes: Tensor;
}

export type SamDecoderBackend = "libtorch" | "onnxruntime";
export const SAM_DECODER_BACKENDS: readonly SamDecoderBackend[] = ["libtorch", "onnxruntime"];

export interface SamPredictorOptions {
  /** What runs the prompt encoder and mask decoder (default libtorch); onnxruntime answers predictAsync only. */
  decoder?: SamDecoderBackend;
  /**
   * With decoder onnxruntime: a session of this model (SamOnnxPromptSession.create) to use instead of
   * exporting one, e.g. one per model for the predictors of many images; the caller disposes it.
   */
  session?: SamOnnxPromptSession;
}

const NO_IMAGE = "SamPredictor: no image set (call setImage first)";

function checkCoordinate(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`SamPredictor: ${what} must be a finite number, got ${JSON.stringify(value)}`);
  return value;
}

export class SamPredictor {
  #embedding: Tensor | null = null;
  /** The image grid's position encoding, made once per image (the reference makes it per prompt). */
  #imagePe: Tensor | null = null;
  /** The decoder's prepared image for prompts without a mask input. */
  #image: DecoderImage | null = null;
  #originalSize: [number, number] = [0, 0];
  #inputSize: [number, number] = [0, 0];

  readonly decoder: SamDecoderBackend;
  /** The onnxruntime session (the caller's, or made on the first predictAsync) and the image's values it is fed. */
  #session: Promise<SamOnnxPromptSession> | null = null;
  readonly #ownsSession: boolean;
  #graphImage: GraphImage | null = null;

  constructor(readonly model: Sam, { decoder = "libtorch", session, ...rest }: SamPredictorOptions = {}) {
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new RangeError(`SamPredictor: unknown option "${unknown[0]}" (options: decoder, session)`);
    if (!SAM_DECODER_BACKENDS.includes(decoder)) throw new RangeError(`SamPredictor: decoder must be ${SAM_DECODER_BACKENDS.join(" or ")}, got ${JSON.stringify(decoder)}`);
    if (session && decoder !== "onnxruntime") throw new RangeError(`SamPredictor: a session is for the onnxruntime decoder, not ${decoder}`);
    if (session && session.sam !== model) throw new RangeError("SamPredictor: the session was made for another model");
    this.decoder = decoder;
    this.#ownsSession = !session;
    if (session) this.#session = Promise.resolve(session);
  }

  /** Encodes an RGB image (H, W, 3) uint8; replaces any earlier image. */
  setImage(image: Tensor): void {
    if (image.ndim !== 3 || image.shape[2] !== 3) throw new RangeError(`SamPredictor.setImage: expected an RGB image (H, W, 3), got [${image.shape.join(", ")}]`);
    const resized = torch.tidy(() => resizeLongestSide(image, this.model.imgSize));
    try {
      this.setResizedImage(resized, [image.shape[0], image.shape[1]]);
    } finally {
      resized.dispose();
    }
  }

  /** Encodes an image already resized to the long side (1, 3, h, w), 0-255, taken from one of `originalSize`. */
  setResizedImage(resized: Tensor, originalSize: [number, number]): void {
    const size = this.model.imgSize;
    if (resized.ndim !== 4 || resized.shape[1] !== 3 || Math.max(resized.shape[2], resized.shape[3]) !== size) {
      throw new RangeError(`SamPredictor: the resized image must be (1, 3, h, w) with long side ${size}, got [${resized.shape.join(", ")}]`);
    }
    const embedding = torch.tidy(() => torch.inferenceMode(() => this.model.embed(resized)));
    try {
      this.setEmbedding(embedding, [resized.shape[2], resized.shape[3]], originalSize);
    } finally {
      embedding.dispose();
    }
  }

  /**
   * Takes an image embedding (1, C, h, w) computed elsewhere (an exported encoder, another process)
   * for an image resized to `inputSize` from `originalSize`; the predictor keeps its own copy.
   */
  setEmbedding(embedding: Tensor, inputSize: [number, number], originalSize: [number, number]): void {
    const [h, w] = this.model.prompt_encoder.embeddingSize;
    const expected = [1, this.model.prompt_encoder.embedDim, h, w];
    if (embedding.shape.join() !== expected.join()) throw new RangeError(`SamPredictor.setEmbedding: expected an embedding [${expected.join(", ")}], got [${embedding.shape.join(", ")}]`);
    this.reset();
    this.#embedding = torch.tidy(() => embedding.to("float32").clone()).keep();
    const encoder = this.model.prompt_encoder;
    this.#imagePe = torch.tidy(() => torch.inferenceMode(() => encoder.denseEncoding())).keep();
    const image = torch.tidy(() => torch.inferenceMode(() => this.model.mask_decoder.prepareImage(this.#embedding!, this.#imagePe!, encoder.denseWithoutMask(1))));
    for (const t of decoderImageTensors(image)) t.keep();
    this.#image = image;
    this.#inputSize = inputSize;
    this.#originalSize = originalSize;
  }

  get hasImage(): boolean {
    return this.#embedding !== null;
  }

  /** The cached image embedding (1, C, h, w), owned by the predictor. */
  get embedding(): Tensor {
    if (!this.#embedding) throw new Error(NO_IMAGE);
    return this.#embedding;
  }

  get originalSize(): [number, number] {
    return this.#originalSize;
  }

  get inputSize(): [number, number] {
    return this.#inputSize;
  }

  /** Masks for one prompt (points and/or box and/or mask input) on the set image, by the libtorch decoder; the caller owns the result. */
  predict(request: PredictRequest): Prediction {
    this.#libtorchOnly("predict");
    const { points, labels, box, maskInput, multimask } = this.#framePrompt(request);
    return torch.tidy(() => {
      const prompts: Prompts = {};
      if (points.length > 0) prompts.points = { coords: torch.tensor(points).unsqueeze(0), labels: torch.tensor([labels], { dtype: "int32" }) };
      if (box) prompts.boxes = torch.tensor(box).reshape([1, 4]);
      if (maskInput) prompts.masks = maskInput.to("float32").unsqueeze(0);
      const { logits, iou, lowRes } = this.predictInputFrame(prompts, multimask);
      return { logits: logits.squeeze(0), iou: iou.squeeze(0), lowRes: lowRes.squeeze(0) };
    });
  }

  /** predict by the predictor's decoder: libtorch's, or onnxruntime's (exported on the first call). */
  async predictAsync(request: PredictRequest): Promise<Prediction> {
    if (this.decoder === "libtorch") return this.predict(request);
    const prompt = this.#framePrompt(request);
    // This image's values, sizes and the prompt's mask, whatever happens to them while the session runs.
    const image = (this.#graphImage ??= { prepared: decoderImageTensors(this.#image!).map(graphValues) });
    if (prompt.maskInput) image.embedding ??= graphValues(this.embedding);
    const [inputSize, originalSize] = [this.#inputSize, this.#originalSize];
    const graphPrompt = { ...prompt, maskInput: prompt.maskInput ? graphValues(prompt.maskInput) : null };
    this.#session ??= SamOnnxPromptSession.create(this.model, torch.getNumThreads());
    const { masks, iou } = await (await this.#session).run(image, graphPrompt);
    try {
      // The graph gives all four masks: 1-3 answer ambiguous prompts, 0 the others (as MaskDecoder.forward picks).
      const [from, to] = prompt.multimask ? [1, masks.shape[1]] : [0, 1];
      return torch.tidy(() => torch.inferenceMode(() => {
        const lowRes = masks.slice(1, from, to);
        return { logits: this.model.postprocessMasks(lowRes, inputSize, originalSize).squeeze(0), iou: iou.slice(1, from, to).squeeze(0), lowRes: lowRes.squeeze(0).contiguous() };
      }));
    } finally {
      masks.dispose();
      iou.dispose();
    }
  }

  #libtorchOnly(what: string): void {
    if (this.decoder !== "libtorch") throw new Error(`SamPredictor.${what}: the ${this.decoder} decoder runs asynchronously: call predictAsync`);
  }

  /** The request checked, in the model's input frame (the mask input is the caller's, unchanged). */
  #framePrompt({ points, box, maskInput, multimask = true }: PredictRequest): FramePrompt & { multimask: boolean } {
    if (!this.hasImage) throw new Error(NO_IMAGE);
    if (!points?.length && !box && !maskInput) throw new RangeError("SamPredictor.predict: give points, a box or a mask input");
    const long = this.model.imgSize;
    const xy = (points ?? []).map((p, i) => [checkCoordinate(p.x, `points[${i}].x`), checkCoordinate(p.y, `points[${i}].y`)]);
    const labels = (points ?? []).map((p, i) => {
      const label = p.label ?? 1;
      if (label !== 0 && label !== 1) throw new RangeError(`SamPredictor: points[${i}].label must be 1 (foreground) or 0 (background), got ${JSON.stringify(p.label)}`);
      return label;
    });
    if (box) {
      if (!Array.isArray(box) || box.length !== 4) throw new RangeError(`SamPredictor: box must be [x0, y0, x1, y1], got ${JSON.stringify(box)}`);
      box.forEach((v, i) => checkCoordinate(v, `box[${i}]`));
    }
    if (maskInput) {
      const expected = this.model.prompt_encoder.maskInputSize;
      if (maskInput.ndim !== 3 || maskInput.shape[0] !== 1 || maskInput.shape[1] !== expected[0] || maskInput.shape[2] !== expected[1]) {
        throw new RangeError(`SamPredictor: maskInput must be (1, ${expected.join(", ")}) low-resolution logits, got [${maskInput.shape.join(", ")}]`);
      }
    }
    return {
      points: scaleCoords(xy, this.#originalSize, long),
      labels,
      box: box ? scaleCoords([[box[0], box[1]], [box[2], box[3]]], this.#originalSize, long) : null,
      maskInput: maskInput ?? null,
      multimask,
    };
  }

  /**
   * Batched prompts already in the resized image's frame (the reference's predict_torch), by the
   * libtorch decoder whatever the predictor's: logits (B, M, H, W) at the original size, IoU (B, M),
   * low-resolution logits (B, M, 4h, 4w).
   */
  predictInputFrame(prompts: Prompts, multimask: boolean): Prediction {
    const embedding = this.embedding;
    const decoder = this.model.mask_decoder;
    return torch.tidy(() => torch.inferenceMode(() => {
      const { sparse, dense } = this.model.prompt_encoder.call(prompts);
      const image = prompts.masks ? decoder.prepareImage(embedding, this.#imagePe!, dense) : this.#image!;
      const { masks, iou } = decoder.call(image, sparse, multimask);
      return { logits: this.model.postprocessMasks(masks, this.#inputSize, this.#originalSize), iou, lowRes: masks };
    }));
  }

  /** Forgets the image and frees its embedding. */
  reset(): void {
    this.#embedding?.dispose();
    this.#imagePe?.dispose();
    for (const t of this.#image ? decoderImageTensors(this.#image) : []) t.dispose();
    this.#embedding = null;
    this.#graphImage = null;
    this.#imagePe = null;
    this.#image = null;
  }

  /** Frees the image's tensors (at once) and closes the onnxruntime session if the predictor made one. */
  async dispose(): Promise<void> {
    this.reset();
    const session = this.#session;
    this.#session = null;
    if (session && this.#ownsSession) await (await session).dispose();
  }
}
