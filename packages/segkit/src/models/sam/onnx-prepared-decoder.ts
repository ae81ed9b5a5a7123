// The predictor's per-prompt decoder graph for onnxruntime: SamPromptDecoder's, given the image side
// the predictor prepares once per image (MaskDecoder.prepareImage of the embedding with the no-mask
// dense embedding: the image tokens, their position encoding, the first block's image-side
// projections) instead of the embedding. The projections (0.4 G multiply-adds at 1024², a third of
// the whole graph's) and the mask downscaling then leave the per-prompt path, as they leave
// libtorch's. Prompts with a mask input need the whole graph (their dense embedding differs).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { MaskDecoder } from "./mask-decoder.js";
import { exportPromptGraph, SAM_DECODER_OUTPUTS } from "./onnx-export.js";
import type { PromptEncoder } from "./prompt-encoder.js";
import type { Sam } from "./sam.js";
import { decoderImageTensors } from "./two-way-transformer.js";

/** In decoderImageTensors' order, then the prompt. */
export const SAM_PREPARED_DECODER_INPUTS = ["image_tokens", "image_pe", "first_keys", "first_values", "first_queries", "point_coords", "point_labels"];

/** Shares the Sam's modules: dispose the Sam, not this. */
export class SamPreparedDecoder extends nn.Module {
  readonly prompt_encoder: PromptEncoder;
  readonly mask_decoder: MaskDecoder;

  constructor(sam: Sam) {
    super();
    this.prompt_encoder = this.registerModule("prompt_encoder", sam.prompt_encoder);
    this.mask_decoder = this.registerModule("mask_decoder", sam.mask_decoder);
  }

  /** The prepared image (decoderImageTensors), pointCoords (1, N, 2), pointLabels (1, N) → [masks (1, 4, 4h, 4w), IoU (1, 4)]. */
  forward(keys: Tensor, keyPe: Tensor, firstKeys: Tensor, firstValues: Tensor, firstQueries: Tensor, pointCoords: Tensor, pointLabels: Tensor): Tensor[] {
    const image = { keys, keyPe, first: { keys: firstKeys, values: firstValues, queries: firstQueries }, grid: this.prompt_encoder.embeddingSize };
    const { masks, iou } = this.mask_decoder.predictMasks(image, this.prompt_encoder.embedLabelledPoints(pointCoords, pointLabels));
    return [masks, iou];
  }
}

/** Example inputs: a random image's prepared side and `points` random labelled points. */
function preparedExample(sam: Sam, points: number): Tensor[] {
  const [h, w] = sam.prompt_encoder.embeddingSize;
  return torch.tidy(() => torch.inferenceMode(() => {
    const encoder = sam.prompt_encoder;
    const image = sam.mask_decoder.prepareImage(torch.randn([1, encoder.embedDim, h, w]), encoder.denseEncoding(), encoder.denseWithoutMask(1));
    return [...decoderImageTensors(image), torch.rand([1, points, 2]).mul(sam.imgSize), torch.randint(-1, 4, [1, points]).to("float32")];
  }));
}

/** Writes the prepared-image decoder graph (any number of points) to `out`; returns the export check's relative difference. */
export function exportSamPreparedDecoder(sam: Sam, out: string): number {
  sam.eval();
  return exportPromptGraph(new SamPreparedDecoder(sam), [preparedExample(sam, 2), preparedExample(sam, 5)], out,
    { inputNames: SAM_PREPARED_DECODER_INPUTS, outputNames: SAM_DECODER_OUTPUTS, name: "sam_prepared_decoder" });
}
