// MaskFormerHead: the pixel decoder over all backbone maps and the transformer predictor over the
// coarsest one (the authors' TRANSFORMER_IN_FEATURE "res5"), or over the pixel decoder's encoder
// output when it has one ("transformer_encoder"); keys pixel_decoder.*, predictor.*.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { BasePixelDecoder, type PixelDecoderOptions } from "./pixel-decoder.js";
import { TransformerPredictor, type MaskPredictions, type PredictorOptions } from "./predictor.js";

export class MaskFormerHead extends nn.Module {
  readonly pixelDecoder: BasePixelDecoder;
  readonly predictor: TransformerPredictor;

  constructor(pixelDecoder: PixelDecoderOptions, predictor: Omit<PredictorOptions, "inChannels" | "maskDim">) {
    super();
    this.pixelDecoder = this.registerModule("pixel_decoder", new BasePixelDecoder(pixelDecoder));
    const inChannels = pixelDecoder.encoder ? pixelDecoder.convDim : pixelDecoder.inChannels[pixelDecoder.inChannels.length - 1];
    this.predictor = this.registerModule("predictor", new TransformerPredictor({ ...predictor, inChannels, maskDim: pixelDecoder.maskDim }));
  }

  forward(features: Tensor[]): MaskPredictions {
    const { maskFeatures, encoded } = this.pixelDecoder.call(features);
    return this.predictor.call(encoded ?? features[features.length - 1], maskFeatures);
  }
}
