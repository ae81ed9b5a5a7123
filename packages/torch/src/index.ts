// @segkit/torch: libtorch for TypeScript.
import "./methods.js";

export * from "./generated/ops.js";
export { Tensor, type BackwardOptions } from "./tensor.js";
export { tensor, scalar, type TensorOptions } from "./creation.js";
export { tidy, keep, scopeDepth } from "./scope.js";
export { withDefaultDevice } from "./dispatch.js";
export { checkDeviceName, resolveDevice, toDevice, builtBackends, linkedLibtorch } from "./device.js";
export { noGrad, enableGrad, inferenceMode, isGradEnabled, setGradEnabled, isInferenceMode, backward, grad, type GradOptions } from "./autograd.js";
export type { CpuCacheStats } from "./native.js";
export { torchVersion, setNumThreads, getNumThreads, manualSeed, getRngState, setRngState, liveTensors, externalMemory, cpuCacheStats, setCpuCacheLimit, emptyCpuCache, callOp } from "./runtime.js";
export { parsePth, loadPth, type PthCheckpoint } from "./pth/load.js";
export { serializePth, savePth } from "./pth/writer.js";
export { Placeholder as PthPlaceholder } from "./pth/globals.js";
export { parseSafetensors, serializeSafetensors, loadSafetensors, saveSafetensors, type Safetensors } from "./safetensors.js";
export { loadWeights, saveWeights, weightsFormat, formatOfPath, renameKeys, renaming, disposeStates, type StateMap, type WeightsFile, type WeightsFormat, type KeyMap } from "./weights-file.js";
export { writeFileAtomic } from "./atomic.js";
export { recordForward, Recording, OptimizedForward, type InputSpec, type RecordOptions, checkRecording, relativeDifference, isRecording, toOnnx, saveOnnx, untranslatable, ONNX_OPSET, type OnnxOptions, type RecordedGraph, type RecordedNode, type RecordedValue, bakedSizes, sizeOf, RecordedSize, type Size } from "./export/index.js";
export { DTYPES, typedArrayFor, dtypeOfTypedArray, isFloatingDtype, type DType, type Scalar, type TypedArray } from "./dtype.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as distributed from "./distributed/index.js";
