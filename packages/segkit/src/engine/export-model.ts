// Export of a trained model: one recorded forward pass at a fixed input size, checked on a second
// input, written as TorchScript (torch.jit.load reads it) or ONNX (onnxruntime runs it).
import * as torch from "@segkit/torch";
import type { Segmentor } from "../models/segmentors/segmentor.js";
import { notExportableReason } from "../models/not-exportable.js";

export const EXPORT_FORMATS = ["onnx", "torchscript"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  /** Input [height, width]; the graph is fixed to it (and to batch 1). */
  size: [number, number];
  /** The model's registered name, to refuse the models known not to export. */
  modelType: string;
  /** Export class ids (int64, N×H×W) instead of logits. */
  argmax?: boolean;
}

/**
 * Records `model` (eval mode) on a random image of `size`, checks the recording on a second one and
 * writes it to `out` atomically. Returns the relative difference measured on the second input.
 */
export function exportModel(model: Segmentor, out: string, { format, size, modelType, argmax = false }: ExportOptions): number {
  const reason = notExportableReason(modelType);
  if (reason) throw new Error(`model ${modelType} is not exportable: ${reason}`);
  const [h, w] = size;
  if (![h, w].every((v) => Number.isInteger(v) && v >= 1 && v % model.divisor === 0)) {
    throw new Error(`--size ${h} ${w}: height and width must be positive multiples of ${model.divisor} for ${modelType}`);
  }
  model.eval();
  return torch.tidy(() => {
    const run = argmax ? (x: torch.Tensor) => model.call(x).argmax(1) : (x: torch.Tensor) => model.call(x);
    const recording = torch.recordForward(model, [torch.randn([1, 3, h, w])], { run });
    try {
      const difference = torch.checkRecording(recording, model, [torch.randn([1, 3, h, w])], 1e-4, { run });
      if (format === "onnx") torch.saveOnnx(recording, out, { inputNames: ["image"], outputNames: [argmax ? "labels" : "logits"], name: modelType });
      else recording.saveTorchScript(out);
      return difference;
    } finally {
      recording.dispose();
    }
  });
}
