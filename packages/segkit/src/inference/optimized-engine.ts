// The optimized engine: PyTorch's own optimized inference of a segkit model. Its forward is recorded
// at each input shape it meets (a recording bakes the sizes in), frozen and optimized by libtorch
// (torch.jit.freeze + torch.jit.optimize_for_inference: BatchNorm folded, conv + add/relu fused,
// oneDNN layout with prepacked weights) and run whole in C++, one crossing from JS per batch.
// A new shape costs a recording, the optimization and one eager forward that checks the optimized
// output; the SHAPES_KEPT shapes used last stay ready, older ones are freed. oneDNN's adaptive
// average pooling (which optimize_for_inference substitutes) needs the input size divisible by the
// output size, where eager libtorch takes any: at such a shape (a 16×16 map with PSP bins 3 and 6)
// the engine runs the eager model instead (the addon has no freeze-only module to fall back to),
// so --optimize never refuses what the plain engine runs.
import * as torch from "@segkit/torch";
import type { OptimizedForward, Tensor } from "@segkit/torch";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import { notExportableReason } from "../models/not-exportable.js";
import type { InferenceEngine } from "./engine.js";

const SHAPES_KEPT = 4;
/** Folded weights and oneDNN's kernels round differently from eager; only a wrong graph moves the logits this far (relative to the largest). */
const TOLERANCE = 1e-3;

/** What oneDNN's adaptive pooling raises at a size it cannot split evenly. */
const ONEDNN_NOT_DIVISIBLE = "input size is not divisible by the output size";

/** `model`'s forward on batches shaped like `example`, recorded, optimized and checked on `example`; "eager" where oneDNN cannot run that shape. */
function optimizedAt(model: Segmentor, example: Tensor): OptimizedForward | "eager" {
  const what = `${example.dtype} [${example.shape.join(", ")}]`;
  let optimized: OptimizedForward;
  let checked = false;
  try {
    const recording = torch.recordForward(model, [example]);
    try {
      optimized = recording.optimizeForInference();
    } finally {
      recording.dispose();
    }
  } catch (e) {
    throw new Error(`optimized inference: the model cannot be recorded on a ${what} batch: ${(e as Error).message}`);
  }
  try {
    torch.tidy(() => {
      const expected = model.predict(example);
      let got: Tensor[];
      try {
        got = torch.inferenceMode(() => optimized.run([example]));
      } catch (e) {
        if ((e as Error).message.includes(ONEDNN_NOT_DIVISIBLE)) return;
        throw e;
      }
      const difference = torch.relativeDifference(got, [expected]);
      if (!(difference <= TOLERANCE)) {
        throw new Error(`optimized inference: on a ${what} batch the optimized graph differs from the model by ${difference.toExponential(2)} of the largest logit; run without --optimize`);
      }
      checked = true;
    });
  } catch (e) {
    optimized.dispose();
    throw e;
  }
  if (checked) return optimized;
  optimized.dispose();
  return "eager";
}

export class OptimizedEngine implements InferenceEngine {
  readonly numClasses: number;
  readonly divisor: number;
  readonly #model: Segmentor;
  /** Optimized graphs (or "eager" where oneDNN cannot run the shape) by input dtype and shape, least recently used first. */
  readonly #graphs = new Map<string, OptimizedForward | "eager">();

  private constructor(model: Segmentor) {
    this.numClasses = model.numClasses;
    this.divisor = model.divisor;
    this.#model = model;
  }

  /** Optimizes `model` (put in eval mode; used until disposed, the caller still owns it) at every input shape it meets. */
  static fromModel(model: Segmentor, modelType: string): OptimizedEngine {
    const reason = notExportableReason(modelType);
    if (reason) throw new Error(`model ${modelType} cannot run optimized (its forward cannot be recorded): ${reason}`);
    model.eval();
    return new OptimizedEngine(model);
  }

  #graphFor(batch: Tensor): OptimizedForward | "eager" {
    const key = `${batch.dtype} ${batch.shape.join("x")}`;
    let graph = this.#graphs.get(key);
    if (graph !== undefined) {
      this.#graphs.delete(key);
    } else {
      graph = optimizedAt(this.#model, batch);
      if (this.#graphs.size === SHAPES_KEPT) {
        const [oldest, old] = this.#graphs.entries().next().value!;
        this.#graphs.delete(oldest);
        if (old !== "eager") old.dispose();
      }
    }
    this.#graphs.set(key, graph);
    return graph;
  }

  /** The shapes (dtype and N×C×H×W) whose optimized graphs are kept, least recently used first. */
  get shapesKept(): string[] {
    return [...this.#graphs.keys()];
  }

  /** The kept shapes that run the eager model because oneDNN's adaptive pooling cannot split them evenly. */
  get eagerShapes(): string[] {
    return [...this.#graphs].filter(([, graph]) => graph === "eager").map(([key]) => key);
  }

  async run(batch: Tensor): Promise<Tensor> {
    if (batch.ndim !== 4 || batch.dtype !== "float32") {
      throw new Error(`optimized inference: expected a float32 image batch (N, C, H, W), got ${batch.dtype} [${batch.shape.join(", ")}]`);
    }
    const graph = this.#graphFor(batch);
    if (graph === "eager") return torch.inferenceMode(() => this.#model.predict(batch));
    return torch.inferenceMode(() => graph.run([batch]))[0];
  }

  async dispose(): Promise<void> {
    for (const graph of this.#graphs.values()) if (graph !== "eager") graph.dispose();
    this.#graphs.clear();
  }
}
