// Export of a trained model: one recorded forward pass at a fixed input size, checked on a second
// input, written as TorchScript (torch.jit.load reads it) or ONNX (onnxruntime runs it). With
// `dynamic`, a second recording at another batch size and image size must be the same graph, or the
// export is refused naming the operator that took a size; the file then leaves those axes free.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import { notExportableReason } from "../models/not-exportable.js";
import { oneChannelRefusal } from "../inference/test-time.js";

export const EXPORT_FORMATS = ["onnx", "torchscript"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Per-channel normalisation put inside the graph: (pixel − mean) / std on byte values. */
export interface Preprocess {
  mean: [number, number, number];
  std: [number, number, number];
}

export interface ExportOptions {
  format: ExportFormat;
  /** Input [height, width] ([depth, height, width] for a volume model); the graph is fixed to it (and to batch 1) unless `dynamic`. */
  size: number[];
  /** The model's registered name, to refuse the models known not to export. */
  modelType: string;
  /** Export class ids (int64, N×H×W, named labels) instead of logits (N×K×H×W, named logits). */
  argmax?: boolean;
  /** Batch, height and width as dynamic axes. */
  dynamic?: boolean;
  /** Take uint8 RGB images N×H×W×3 (NHWC, as decoded images and canvas pixels come) and normalise them in the graph. */
  preprocess?: Preprocess | null;
}

/** The batch size and sides ([N, H, W] or [N, D, H, W]) of the second recording of a dynamic export. */
export function secondShape(size: readonly number[], divisor: number): number[] {
  const step = divisor * Math.ceil(8 / divisor);
  return [2, ...size.map((side, i) => side + (i + 1) * step)];
}

/**
 * A random input for `model` of batch and sides `[n, ...sides]`: normalised floats in the model's
 * layout (N, C, H, W) or (N, C, D, H, W), or with `preprocess` uint8 RGB pixels N×H×W×3.
 */
export function exampleInput(model: Segmentor, [n, ...sides]: readonly number[], preprocess: boolean): Tensor {
  const shape = model.inputShape(n, sides);
  return preprocess ? torch.tidy(() => torch.rand([n, ...sides, 3]).mul(255).to("uint8")) : torch.randn(shape);
}

/** ONNX dynamic axes: the batch, then the sides from axis `first`. */
function dynamicAxesFrom(first: number, sides: number): Record<number, string> {
  const names = sides === 3 ? ["depth", "height", "width"] : ["height", "width"];
  return Object.fromEntries([[0, "batch"], ...names.map((name, i) => [first + i, name])]);
}

/**
 * What is recorded: optional preprocessing, the model, optional argmax. The mean and scale tensors
 * are made here, before recording, so the graph holds them as constants (a tensor made from JS data
 * during the recording would be recorded as an uninitialised aten::empty).
 */
function forwardOf(model: Segmentor, { argmax = false, preprocess = null }: Pick<ExportOptions, "argmax" | "preprocess">): (x: Tensor) => Tensor {
  let normalise = (x: Tensor) => x;
  if (preprocess !== null) {
    const mean = torch.tensor(Float32Array.from(preprocess.mean), { shape: [1, 3, 1, 1] });
    const scale = torch.tensor(Float32Array.from(preprocess.std, (s) => 1 / s), { shape: [1, 3, 1, 1] });
    normalise = (x) => x.to("float32").permute([0, 3, 1, 2]).sub(mean).mul(scale);
  }
  if (argmax && model.numClasses === 1) throw new RangeError(oneChannelRefusal("--argmax's class ids"));
  return argmax ? (x) => model.call(normalise(x)).argmax(1) : (x) => model.call(normalise(x));
}

/**
 * Records `model` (eval mode) on a random image of `size`, checks the recording on a second one (with
 * `dynamic`, of another batch size and image size) and writes it to `out` atomically. Returns the
 * relative difference measured on the second input.
 */
export function exportModel(model: Segmentor, out: string, options: ExportOptions): number {
  const { format, size, modelType, argmax = false, dynamic = false, preprocess = null } = options;
  const reason = notExportableReason(modelType);
  if (reason) throw new Error(`model ${modelType} is not exportable: ${reason}`);
  try {
    model.inputShape(1, size);
  } catch (e) {
    throw new Error(`--size ${size.join(" ")}: ${(e as Error).message}`);
  }
  if (preprocess !== null && size.length !== 2) throw new Error(`--with-preprocess takes RGB images; ${modelType} takes volumes`);
  if (!size.every((v) => Number.isInteger(v) && v >= 1 && v % model.divisor === 0)) {
    throw new Error(`--size ${size.join(" ")}: ${size.length === 3 ? "depth, height" : "height"} and width must be positive multiples of ${model.divisor} for ${modelType}`);
  }
  model.eval();
  const withPreprocess = preprocess !== null;
  const second = dynamic ? secondShape(size, model.divisor) : [1, ...size];
  return torch.tidy(() => {
    const run = forwardOf(model, { argmax, preprocess });
    const recording = torch.recordForward(model, [exampleInput(model, [1, ...size], withPreprocess)], { run });
    try {
      if (dynamic) {
        const other = torch.recordForward(model, [exampleInput(model, second, withPreprocess)], { run });
        const baked = torch.bakedSizes(recording, other);
        other.dispose();
        if (baked) throw new Error(`--dynamic: ${modelType} bakes a size into its graph (${baked}); export it without --dynamic at the size it runs at`);
      }
      const difference = torch.checkRecording(recording, model, [exampleInput(model, second, withPreprocess)], 1e-4, { run });
      const [input, output] = [withPreprocess ? "pixels" : "image", argmax ? "labels" : "logits"];
      if (format === "onnx") {
        const [nhw, nchw] = [dynamicAxesFrom(1, size.length), dynamicAxesFrom(2, size.length)];
        const dynamicAxes = dynamic ? { [input]: withPreprocess ? nhw : nchw, [output]: argmax ? nhw : nchw } : undefined;
        torch.saveOnnx(recording, out, { inputNames: [input], outputNames: [output], name: modelType, dynamicAxes });
      } else {
        recording.saveTorchScript(out);
      }
      return difference;
    } finally {
      recording.dispose();
    }
  });
}

/**
 * Runs an exported ONNX file with onnxruntime-node on a fresh input of `shape` ([N, H, W], or [N, D, H, W] for volumes) and returns
 * its largest relative difference from the model (labels: the fraction of pixels that disagree).
 */
export async function checkOnnxFile(file: string, model: Segmentor, shape: readonly number[], options: Pick<ExportOptions, "argmax" | "preprocess">): Promise<number> {
  const ort = await import("onnxruntime-node");
  const withPreprocess = (options.preprocess ?? null) !== null;
  const input = exampleInput(model, shape, withPreprocess);
  const session = await ort.InferenceSession.create(file);
  try {
    const data = input.toTypedArray() as Float32Array | Uint8Array;
    const feed = new ort.Tensor(withPreprocess ? "uint8" : "float32", data, input.shape);
    const result = await session.run({ [session.inputNames[0]]: feed });
    const got = result[session.outputNames[0]];
    return torch.tidy(() => {
      const expected = torch.noGrad(() => forwardOf(model, options)(input));
      if (got.dims.join() !== expected.shape.join()) throw new Error(`${file}: onnxruntime's output is [${got.dims.join(", ")}], the model's [${expected.shape.join(", ")}]`);
      if (options.argmax) {
        const labels = Array.from(got.data as BigInt64Array, Number);
        const want = expected.toTypedArray() as BigInt64Array;
        return labels.filter((v, i) => v !== Number(want[i])).length / labels.length;
      }
      return torch.relativeDifference([torch.tensor(got.data as Float32Array, { shape: expected.shape })], [expected]);
    });
  } finally {
    input.dispose();
    await session.release();
  }
}
