// Segment Anything: the model, its official sizes, the predictor and the automatic mask generator.
export { Sam, type SamOptions, type SamEncoderOptions, type SamDecoderOptions } from "./sam.js";
export { SAM_VARIANTS, buildSam, isSamVariant, type SamVariant } from "./variants.js";
export type { Prompts } from "./prompt-encoder.js";
export type { DecodedMasks } from "./mask-decoder.js";
export { SamPredictor, SAM_DECODER_BACKENDS, type SamDecoderBackend, type SamPredictorOptions, type PointPrompt, type PredictRequest, type Prediction } from "./predictor.js";
export { resizeLongestSide, resizedShape, scaleCoords } from "./resize-longest-side.js";
export { SamAutomaticMaskGenerator, type AutomaticMaskOptions, type MaskRecord } from "./automatic-mask-generator.js";
export { masksToRle } from "./mask-rle.js";
export { samOptionsFromCheckpoint } from "./checkpoint-options.js";
export { SamPromptDecoder } from "./onnx-decoder.js";
export { SamOnnxPromptSession } from "./onnx-prompt-session.js";
export { exportSamDecoder, exportSamImageEncoder, decoderExample, SAM_DECODER_INPUTS, SAM_DECODER_OUTPUTS } from "./onnx-export.js";
