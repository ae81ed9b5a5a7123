// `segkit export`: a trained model as a TorchScript or ONNX file for deployment.
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { loadModel, loadRunConfig } from "../engine/load.js";
import { EXPORT_FORMATS, exportModel, type ExportFormat } from "../engine/export-model.js";

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseSize(given: string[] | undefined): [number, number] {
  if (given === undefined) return [512, 512];
  const numbers = given.map(Number);
  if (numbers.length !== 2 || !numbers.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new Error(`--size ${given.join(" ")}: expected two positive integers, height and width`);
  }
  return [numbers[0], numbers[1]];
}

export function registerExport(program: Command): void {
  program
    .command("export <config> <checkpoint>")
    .description("write the model as a TorchScript or ONNX file (input fixed to batch 1 at --size), checked on a second input")
    .addOption(new Option("--format <format>", "file format").choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption("--out <file>", "the file to write (atomically)")
    .option("--size <H W...>", "input height and width (default 512 512)")
    .option("--argmax", "output class ids (int64, 1×H×W, named labels) instead of logits (logits)")
    .option("--set <path=value>", "override a config value (repeatable)", collect, [])
    .action(async (config: string, checkpoint: string, o: { format: ExportFormat; out: string; size?: string[]; set: string[]; argmax?: boolean }) => {
      const size = parseSize(o.size);
      const run = await loadRunConfig(config, o.set);
      const { model } = loadModel(run, checkpoint);
      try {
        const difference = exportModel(model, o.out, { format: o.format, size, modelType: String(run.model.type), argmax: o.argmax });
        console.log(`${o.format} written to ${resolve(o.out)} (${size[0]}×${size[1]}; on a second input it differs from the model by ${difference.toExponential(1)} relative)`);
      } finally {
        model.dispose();
      }
    });
}
