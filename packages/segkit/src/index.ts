// segkit: semantic image segmentation for TypeScript on libtorch.
export * as torch from "@segkit/torch";
export * as metrics from "@segkit/metrics";
export * from "./models/index.js";
export * from "./data/index.js";
export * as losses from "./losses/index.js";
export { build, register, registered, type Config, type Kind } from "./config/registry.js";
export { loadConfig, deepMerge } from "./config/compose.js";
export { applyOverrides } from "./config/overrides.js";
export { runConfig, type RunConfig, type TestConfig, type LoaderConfig } from "./engine/run-config.js";
export { train, type TrainOptions, type TrainResult } from "./engine/trainer.js";
export { evaluate, networkProbabilities, predictProbabilities, type Evaluation, type Network } from "./engine/evaluate.js";
export { predictFile, predictLabels, predictLabelsWith, writePrediction } from "./engine/predict.js";
export { exportModel, checkOnnxFile, type ExportOptions, type Preprocess } from "./engine/export-model.js";
export { OnnxRuntimeEngine, type OnnxRuntimeOptions } from "./inference/onnxruntime-engine.js";
export type { InferenceEngine } from "./inference/engine.js";
export { loadRunConfig, loadModel, resolveConfigPath, shippedConfigNames } from "./engine/load.js";
export { convertWeights, type ConvertSummary } from "./engine/convert-weights.js";
export { saveCheckpoint, loadCheckpoint, disposeCheckpoint, CheckpointKeeper, type Checkpoint } from "./engine/checkpoint.js";
