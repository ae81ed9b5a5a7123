// Export: record a forward pass (libtorch's tracer), write it as TorchScript or ONNX.
export { recordForward, Recording, type RecordOptions } from "./record.js";
export { OptimizedForward, type InputSpec } from "./optimized-forward.js";
export { checkRecording, relativeDifference } from "./check.js";
export { isRecording } from "./recording-guard.js";
export type { RecordedGraph, RecordedNode, RecordedValue } from "../native.js";
export { toOnnx, saveOnnx, untranslatable, ONNX_OPSET, type OnnxOptions } from "./onnx/to-onnx.js";
export { bakedSizes } from "./baked-sizes.js";
export { sizeOf, RecordedSize, type Size } from "./recorded-size.js";
