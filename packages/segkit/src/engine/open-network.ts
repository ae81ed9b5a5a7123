// The network `segkit test` and `segkit predict` run: the config's model with a checkpoint's weights
// on libtorch (eager, or PyTorch's optimized inference with `optimize`), or its ONNX graph on
// onnxruntime (exported on the fly, or a given .onnx file).
import { existsSync } from "node:fs";
import { build } from "../config/registry.js";
import type { EngineName } from "../inference/engine.js";
import { OnnxRuntimeEngine } from "../inference/onnxruntime-engine.js";
import { OptimizedEngine } from "../inference/optimized-engine.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import type { ClassInfo } from "./class-info.js";
import type { Network } from "./evaluate.js";
import { loadModel } from "./load.js";
import type { RunConfig } from "./run-config.js";

export interface OpenNetworkOptions {
  engine: EngineName;
  foldBatchNorm?: boolean;
  /** libtorch only: PyTorch's optimized inference (OptimizedEngine), which folds BatchNorm itself. */
  optimize?: boolean;
}

export interface OpenedNetwork {
  network: Network;
  /** The config's model: what it predicts and ignores (without weights for a given .onnx file). */
  model: Pick<Segmentor, "numClasses" | "ignoreIndex" | "divisor">;
  /** The checkpoint's classes and palette, if it stores them. */
  classes: ClassInfo | null;
  close(): Promise<void>;
}

/** `checkpoint` is a segkit checkpoint or state dict, or with the onnxruntime engine also an .onnx file. */
export async function openNetwork(run: RunConfig, checkpoint: string, { engine, foldBatchNorm = false, optimize = false }: OpenNetworkOptions): Promise<OpenedNetwork> {
  if (optimize && engine !== "libtorch") throw new Error("--optimize is libtorch's optimized inference; onnxruntime optimizes its graph itself: drop --optimize or --engine onnxruntime");
  if (optimize && foldBatchNorm) throw new Error("--optimize folds BatchNorm itself: drop --fold-bn");
  const options = { threads: run.train.threads };
  if (checkpoint.toLowerCase().endsWith(".onnx")) {
    if (engine !== "onnxruntime") throw new Error(`checkpoint ${checkpoint} is an ONNX file: run it with --engine onnxruntime`);
    if (!existsSync(checkpoint)) throw new Error(`checkpoint ${checkpoint}: no such file`);
    // The config's model says what the graph predicts; its random weights are not used.
    const model = build<Segmentor>("model", run.model, "config.model");
    const described = { numClasses: model.numClasses, ignoreIndex: model.ignoreIndex, divisor: model.divisor };
    model.dispose();
    const network = await OnnxRuntimeEngine.open(checkpoint, described, options);
    return { network, model: described, classes: null, close: () => network.dispose() };
  }
  const { model, classes } = loadModel(run, checkpoint, { foldBatchNorm });
  if (engine === "libtorch" && !optimize) return { network: model, model, classes, close: async () => model.dispose() };
  const network = optimize ? OptimizedEngine.fromModel(model, String(run.model.type)) : OnnxRuntimeEngine.fromModel(model, String(run.model.type), options);
  return {
    network, model, classes,
    close: async () => {
      await network.dispose();
      model.dispose();
    },
  };
}
