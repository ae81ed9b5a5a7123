// Mask2Former's MaskFormerHead with TRANSFORMER_IN_FEATURE "multi_scale_pixel_decoder" (keys
// pixel_decoder.*, predictor.*): the deformable pixel decoder over the backbone's maps and the masked
// transformer decoder over its three coarsest outputs and its mask embeddings.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { MaskPredictions } from "../maskformer/predictor.js";
import { MSDeformPixelDecoder, type MSDeformPixelDecoderOptions } from "./pixel-decoder.js";
import { MaskedTransformerDecoder, type MaskedDecoderOptions } from "./transformer-decoder.js";

export class Mask2FormerHead extends nn.Module {
  readonly pixelDecoder: MSDeformPixelDecoder;
  readonly predictor: MaskedTransformerDecoder;

  constructor(pixelDecoder: MSDeformPixelDecoderOptions, predictor: Omit<MaskedDecoderOptions, "inChannels" | "maskDim">) {
    super();
    this.pixelDecoder = this.registerModule("pixel_decoder", new MSDeformPixelDecoder(pixelDecoder));
    this.predictor = this.registerModule("predictor", new MaskedTransformerDecoder({ ...predictor, inChannels: pixelDecoder.convDim, maskDim: pixelDecoder.maskDim }));
  }

  forward(features: Tensor[]): MaskPredictions {
    const { maskFeatures, multiScale } = this.pixelDecoder.call(features);
    return this.predictor.call(multiScale, maskFeatures);
  }
}
