// The prompt encoder and mask decoder as one graph with the image embedding as an input, as the
// authors' scripts/export_onnx_model.py exports SAM for the browser (its SamOnnxModel): prompts come
// as labelled points in the input frame, a box as two points labelled 2 and 3, and −1 for the
// padding point a box-less prompt needs; a mask input is always given and switched by
// has_mask_input. The outputs are the four low-resolution masks and their IoU predictions: the
// reference's graph also upsamples to an orig_im_size input and picks one mask, but a recorded graph
// holds sizes as constants, so that step stays with the caller (Sam.postprocessMasks; a bilinear
// resize in the page).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Sam } from "./sam.js";
import type { MaskDecoder } from "./mask-decoder.js";
import type { PromptEncoder } from "./prompt-encoder.js";

/** Shares the Sam's modules: dispose the Sam, not this. */
export class SamPromptDecoder extends nn.Module {
  readonly prompt_encoder: PromptEncoder;
  readonly mask_decoder: MaskDecoder;

  constructor(sam: Sam) {
    super();
    this.prompt_encoder = this.registerModule("prompt_encoder", sam.prompt_encoder);
    this.mask_decoder = this.registerModule("mask_decoder", sam.mask_decoder);
  }

  /**
   * embedding (1, C, h, w), pointCoords (1, N, 2), pointLabels (1, N), maskInput (1, 1, 4h, 4w),
   * hasMaskInput (1) → [low-resolution masks (1, 4, 4h, 4w), IoU predictions (1, 4)].
   */
  forward(embedding: Tensor, pointCoords: Tensor, pointLabels: Tensor, maskInput: Tensor, hasMaskInput: Tensor): Tensor[] {
    const encoder = this.prompt_encoder;
    const sparse = encoder.embedLabelledPoints(pointCoords, pointLabels);
    const noMask = encoder.no_mask_embed.weight.reshape([1, -1, 1, 1]);
    const dense = encoder.mask_downscaling.call(maskInput).mul(hasMaskInput).add(noMask.mul(hasMaskInput.rsub(1)));
    const { masks, iou } = this.mask_decoder.predictMasks(this.mask_decoder.prepareImage(embedding, encoder.denseEncoding(), dense), sparse);
    return [masks, iou];
  }
}
