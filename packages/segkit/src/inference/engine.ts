// An inference engine other than the libtorch Segmentor itself: something that turns a normalised
// image batch into logits, asynchronously. Test-time augmentation runs on top of it (test-time.ts).
import type { Tensor } from "@segkit/torch";
import type { NetworkShape } from "./test-time.js";

export const ENGINES = ["libtorch", "onnxruntime"] as const;
export type EngineName = (typeof ENGINES)[number];

export interface InferenceEngine extends NetworkShape {
  /** Logits (N, numClasses, H, W) for a normalised float32 batch (N, 3, H, W); the caller owns them. */
  run(batch: Tensor): Promise<Tensor>;
  /** Frees the sessions and any file the engine wrote. */
  dispose(): Promise<void>;
}

/** Whether `network` is an engine (a libtorch Segmentor has no run). */
export function isEngine(network: object): network is InferenceEngine {
  return typeof (network as Partial<InferenceEngine>).run === "function";
}
