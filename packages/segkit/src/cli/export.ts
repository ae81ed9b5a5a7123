// `segkit export`: a trained model as a TorchScript or ONNX file for deployment.
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { currentName, type Config } from "../config/registry.js";
import { loadModel, loadRunConfig } from "../engine/load.js";
import { checkOnnxFile, EXPORT_FORMATS, exportModel, secondShape, type ExportFormat, type Preprocess } from "../engine/export-model.js";
import { normalization } from "../data/transforms/normalize.js";

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseSize(given: string[] | undefined): number[] {
  if (given === undefined) return [512, 512];
  const numbers = given.map(Number);
  if (![2, 3].includes(numbers.length) || !numbers.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new Error(`--size ${given.join(" ")}: expected two positive integers, height and width (three for a volume model: depth, height and width)`);
  }
  return numbers;
}

/** The normalisation of the config's test pipeline (none: the graph only casts the bytes to float). */
export function pipelineNormalization(pipeline: Config[]): Preprocess {
  const step = pipeline.find((c) => currentName("transform", String(c.type)) === "normalize");
  if (step === undefined) return { mean: [0, 0, 0], std: [1, 1, 1] };
  const { mean, scale } = normalization(step);
  return { mean, std: scale.map((s) => 1 / s) as [number, number, number] };
}

export function registerExport(program: Command): void {
  program
    .command("export <config> <checkpoint>")
    .description("write the model as a TorchScript or ONNX file (input fixed to batch 1 at --size), checked on a second input")
    .addOption(new Option("--format <format>", "file format").choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption("--out <file>", "the file to write (atomically)")
    .option("--size <H W...>", "input height and width (default 512 512); depth, height and width for a volume model")
    .option("--argmax", "output class ids (int64, 1×H×W, named labels) instead of logits (logits)")
    .option("--dynamic", "batch, height and width free (refused, with the reason, for a model whose graph takes a size)")
    .option("--with-preprocess", "input uint8 RGB pixels N×H×W×3 (NHWC, named pixels), normalised in the graph as the config's test pipeline does")
    .option("--set <path=value>", "override a config value (repeatable)", collect, [])
    .action(async (config: string, checkpoint: string, o: ExportCliOptions) => {
      const size = parseSize(o.size);
      const run = await loadRunConfig(config, o.set);
      const { model } = loadModel(run, checkpoint);
      const preprocess = o.withPreprocess ? pipelineNormalization(run.data.val.pipeline) : null;
      try {
        let difference = exportModel(model, o.out, { format: o.format, size, modelType: String(run.model.type), argmax: o.argmax, dynamic: o.dynamic, preprocess });
        const shape = o.dynamic ? secondShape(size, model.divisor) : [1, ...size];
        const checked = shape.join("×");
        if (o.format === "onnx") difference = Math.max(difference, await checkOnnxFile(o.out, model, shape, { argmax: o.argmax, preprocess }));
        console.log(`${o.format} written to ${resolve(o.out)} (${o.dynamic ? "dynamic batch and size" : size.join("×")}; ` +
          `on a second input, ${checked}, it differs from the model by ${difference.toExponential(1)} ${o.argmax ? "of the pixels" : "relative"})`);
      } finally {
        model.dispose();
      }
    });
}

interface ExportCliOptions {
  format: ExportFormat;
  out: string;
  size?: string[];
  set: string[];
  argmax?: boolean;
  dynamic?: boolean;
  withPreprocess?: boolean;
}
