// A worker thread that owns one model: it loads the network the way `segkit predict` does (config,
// checkpoint or model-zoo weights, engine) and answers SegmentJobs one at a time, so inference and
// PNG encoding never run on the server's event loop. The libtorch addon is context-aware: each
// worker has its own tensor accounting, libtorch itself is shared by the process.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import * as torch from "@segkit/torch";
import { pipelineNormalization } from "../cli/export.js";
import { currentName } from "../config/registry.js";
import { exportModel } from "../engine/export-model.js";
import { isEngine } from "../inference/engine.js";
import { checkpointFor, loadRunConfig, predictionClasses } from "../engine/load.js";
import { openNetwork } from "../engine/open-network.js";
import { refinementFromConfig } from "../engine/postprocess.js";
import { predictionPipeline, predictPixelsWith } from "../engine/predict.js";
import { blendOverlay, classPixelCounts } from "../engine/prediction-outputs.js";
import { encodeLabelPng, GREY_PALETTE } from "../io/label-png-writer.js";
import { workerHolding, type ModelSpec, type OnnxJob, type SegmentJob, type WorkerMessage } from "./worker-protocol.js";

const port = parentPort!;
const spec = workerData as ModelSpec;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function start(): Promise<void> {
  torch.setNumThreads(spec.threads);
  const run = await loadRunConfig(spec.config);
  const checkpoint = checkpointFor(spec.config, spec.checkpoint);
  const refinement = refinementFromConfig(run.test.postprocess ?? [], "config.test.postprocess");
  const pipeline = predictionPipeline(run.data.val.pipeline);
  const opened = await openNetwork(run, checkpoint, { engine: spec.engine });
  const classes = predictionClasses(opened, run, checkpoint);

  const segment = async (job: SegmentJob): Promise<void> => {
    const started = performance.now();
    const { width, height, pixels } = job;
    const image = { width, height, pixels, meta: { file: `request ${job.id}`, size: [height, width] as [number, number] } };
    const { labels, confidence } = await predictPixelsWith(opened.network, image, pipeline, run.test, refinement, { confidence: job.confidence });
    const labelPng = new Uint8Array(encodeLabelPng(labels, width, height, classes.palette));
    const confidencePng = confidence && new Uint8Array(encodeLabelPng(confidence, width, height, GREY_PALETTE));
    const overlay = job.overlayAlpha === undefined ? undefined : blendOverlay(pixels, labels, classes.palette, job.overlayAlpha);
    const counts = classPixelCounts(labels, classes.classes.length);
    const milliseconds = performance.now() - started;
    post({ type: "result", id: job.id, labelPng, counts, overlay, confidencePng, milliseconds, held: workerHolding() },
      [labelPng, overlay, confidencePng].filter((b) => b !== undefined).map((b) => b.buffer as ArrayBuffer));
  };

  // Logits out (not class ids): the page takes the argmax and the confidence (softmax) itself.
  // The page runs the graph on the image as it is: only a pipeline that normalises and nothing else
  // gives the server's labels that way; any size the model's divisor allows (a dynamic export).
  const exportOnnx = async (job: OnnxJob): Promise<void> => {
    if (isEngine(opened.network)) throw new Error(`in-browser mode exports the libtorch model; ${spec.name} is served with ${spec.engine}`);
    const steps = run.data.val.pipeline.map((c) => currentName("transform", String(c.type))).filter((t) => t !== "normalize");
    if (steps.length > 0) throw new Error(`in-browser mode runs the model on the image as it is, but ${spec.name}'s test pipeline also has ${steps.join(", ")}`);
    const model = opened.network;
    const side = model.divisor * Math.ceil(64 / model.divisor);
    const dir = mkdtempSync(join(tmpdir(), "segkit-serve-onnx-"));
    try {
      const file = join(dir, "model.onnx");
      exportModel(model, file, { format: "onnx", size: [side, side], modelType: String(run.model.type), dynamic: true, preprocess: pipelineNormalization(run.data.val.pipeline) });
      const bytes = new Uint8Array(readFileSync(file));
      post({ type: "onnx", id: job.id, bytes }, [bytes.buffer as ArrayBuffer]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  // One job at a time: the pool sends the next only after this one's reply.
  port.on("message", (message: SegmentJob | OnnxJob | "close") => {
    if (message === "close") {
      void opened.close().then(() => port.close());
      return;
    }
    (message.kind === "onnx" ? exportOnnx(message) : segment(message)).catch((e: unknown) => post({ type: "error", id: message.id, message: (e as Error).message }));
  });
  post({ type: "ready", classes, divisor: opened.model.divisor, held: workerHolding() });
}

start().catch((e: unknown) => post({ type: "failed", message: `model ${spec.name}: ${(e as Error).message}` }));
