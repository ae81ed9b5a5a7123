// The onnxruntime engine: a segkit model's ONNX graph run by onnxruntime-node. The graph is a given
// .onnx file, or is exported on the fly from the libtorch model, once per input size, into a
// temporary folder removed by dispose(). A graph of fixed batch 1 runs a batch image by image.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as Ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { exportModel } from "../engine/export-model.js";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import type { InferenceEngine } from "./engine.js";
import type { NetworkShape } from "./test-time.js";

export interface OnnxRuntimeOptions {
  /** onnxruntime's intra-op threads (inter-op is 1: the graph runs sequentially). */
  threads?: number;
}

/** A loaded graph: its session, its input and output names, its input shape (strings are dynamic axes). */
interface Graph {
  ort: typeof Ort;
  session: Ort.InferenceSession;
  input: string;
  output: string;
  shape: readonly (number | string)[];
}

async function openGraph(file: string, numClasses: number, { threads = 2 }: OnnxRuntimeOptions): Promise<Graph> {
  // Loaded on first use: every other command of the CLI starts without onnxruntime's library.
  const ort = await import("onnxruntime-node");
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential" });
  } catch (e) {
    throw new Error(`${file}: onnxruntime cannot load it: ${(e as Error).message}`);
  }
  const [input, ...moreInputs] = session.inputMetadata;
  const [output] = session.outputMetadata;
  const problem = (): string | null => {
    if (!input?.isTensor || moreInputs.length > 0) return "the engine needs a graph of one tensor input";
    if (input.type !== "float32" || input.shape.length !== 4 || input.shape[1] !== 3) {
      return `its input ${input.name} is ${input.type} [${input.shape.join(", ")}]; the engine feeds the test pipeline's float32 (N, 3, H, W) batch (export without --with-preprocess)`;
    }
    if (!output?.isTensor || output.type !== "float32" || output.shape.length !== 4) {
      return "its first output is not float32 (N, K, H, W) logits; the engine averages probabilities (export without --argmax)";
    }
    if (typeof output.shape[1] === "number" && output.shape[1] !== numClasses) return `it outputs ${output.shape[1]} classes but config.model predicts ${numClasses}`;
    return null;
  };
  const reason = problem();
  if (reason) {
    await session.release();
    throw new Error(`${file}: ${reason}`);
  }
  return { ort, session, input: input.name, output: output.name, shape: (input as Ort.InferenceSession.TensorValueMetadata).shape };
}

/** Logits of one batch whose shape the graph takes. */
async function runGraph(graph: Graph, batch: Tensor): Promise<Tensor> {
  const data = torch.tidy(() => batch.to("float32").contiguous().toTypedArray() as Float32Array);
  const result = await graph.session.run({ [graph.input]: new graph.ort.Tensor("float32", data, batch.shape) });
  const logits = result[graph.output];
  try {
    return torch.tensor(logits.data as Float32Array, { shape: logits.dims as number[] });
  } finally {
    for (const value of Object.values(result)) value.dispose();
  }
}

/** Where the graphs come from: a given file (one graph) or the model (one exported graph per input size, in `folder`). */
type GraphSource = { file: string } | { model: Segmentor; modelType: string; folder: string };

export class OnnxRuntimeEngine implements InferenceEngine {
  readonly numClasses: number;
  readonly divisor: number;
  readonly #options: OnnxRuntimeOptions;
  readonly #source: GraphSource;
  readonly #graphs = new Map<string, Promise<Graph>>();

  private constructor(numClasses: number, divisor: number, source: GraphSource, options: OnnxRuntimeOptions) {
    this.numClasses = numClasses;
    this.divisor = divisor;
    this.#source = source;
    this.#options = options;
  }

  /** Runs a given .onnx file (its input float32 N×3×H×W, fixed or dynamic; its first output the logits) of a network of `shape`. */
  static async open(file: string, { numClasses, divisor }: NetworkShape, options: OnnxRuntimeOptions = {}): Promise<OnnxRuntimeEngine> {
    const engine = new OnnxRuntimeEngine(numClasses, divisor, { file }, options);
    engine.#graphs.set("file", openGraph(file, numClasses, options));
    await engine.#graphs.get("file");
    return engine;
  }

  /** Exports `model` (eval mode; the engine uses it until disposed, the caller still owns it) at every input size it meets. */
  static fromModel(model: Segmentor, modelType: string, options: OnnxRuntimeOptions = {}): OnnxRuntimeEngine {
    const folder = mkdtempSync(join(tmpdir(), "segkit-onnx-"));
    return new OnnxRuntimeEngine(model.numClasses, model.divisor, { model, modelType, folder }, options);
  }

  #graphFor(h: number, w: number): Promise<Graph> {
    const source = this.#source;
    if ("file" in source) return this.#graphs.get("file")!;
    const key = `${h}x${w}`;
    let graph = this.#graphs.get(key);
    if (graph === undefined) {
      const file = join(source.folder, `${key}.onnx`);
      exportModel(source.model, file, { format: "onnx", size: [h, w], modelType: source.modelType });
      graph = openGraph(file, this.numClasses, this.#options);
      this.#graphs.set(key, graph);
    }
    return graph;
  }

  async run(batch: Tensor): Promise<Tensor> {
    const [n, , h, w] = batch.shape;
    const graph = await this.#graphFor(h, w);
    const [gn, , gh, gw] = graph.shape;
    if ((typeof gh === "number" && gh !== h) || (typeof gw === "number" && gw !== w)) {
      const where = "file" in this.#source ? this.#source.file : "the exported graph";
      throw new Error(`${where} takes ${gh}×${gw} images, got ${h}×${w}: export it at the size it runs at, or with --dynamic`);
    }
    if (typeof gn === "string" || gn === n) return runGraph(graph, batch);
    if (gn !== 1) throw new Error(`the graph takes batches of ${gn}, got ${n}`);
    const parts: Tensor[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const image = torch.tidy(() => batch.slice(0, i, i + 1));
        try {
          parts.push(await runGraph(graph, image));
        } finally {
          image.dispose();
        }
      }
      return torch.tidy(() => torch.cat(parts, 0));
    } finally {
      for (const p of parts) p.dispose();
    }
  }

  async dispose(): Promise<void> {
    const graphs = await Promise.allSettled(this.#graphs.values());
    this.#graphs.clear();
    for (const g of graphs) if (g.status === "fulfilled") await g.value.session.release();
    if (!("file" in this.#source)) rmSync(this.#source.folder, { recursive: true, force: true });
  }
}
