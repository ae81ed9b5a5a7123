/**
 * `segkit models`: every registered model with its parameter count (counted on the meta device, so
 * instantly and without memory) and, with --cost, its cost (FLOPs = 2 × multiply-accumulates of
 * conv/linear layers for one image at --size, from a real inference pass), and the backbones and heads.
 */
import { Command, InvalidArgumentError } from "commander";
import { build, builderOf, registered } from "../config/registry.js";
import { complexity, countParameters } from "../models/complexity.js";
import type { Segmentor } from "../models/index.js";
import "../models/index.js";

interface ModelsOptions {
  size: [number, number];
  classes: number;
  cost?: boolean;
  json?: boolean;
}

export interface ModelRow {
  name: string;
  summary: string;
  parameters: number;
  /** With the cost only. */
  gmacs?: number;
  /** 2 × MACs, the usual FLOPs convention. */
  gflops?: number;
}

/** Multiply-accumulates of one forward pass at `size` (rounded up to the model's divisor): builds the model for real. */
function gmacsOf(name: string, size: [number, number], classes: number): number {
  const model = build<Segmentor>("model", { type: name, numClasses: classes });
  try {
    const divisor = model.divisor;
    const fitted: [number, number] = [Math.ceil(size[0] / divisor) * divisor, Math.ceil(size[1] / divisor) * divisor];
    return complexity(model, fitted).macs / 1e9;
  } finally {
    model.dispose();
  }
}

/**
 * Parameters (and, with `cost`, GMACs at `size`) of the models `only` names, or of every registered
 * model except the generic encoder_decoder.
 */
export function listModels(size: [number, number], classes: number, { cost = false, only = [] as string[] } = {}): ModelRow[] {
  const all = registered("model").filter((name) => name !== "encoder_decoder");
  const unknown = only.find((name) => !all.includes(name));
  if (unknown !== undefined) throw new Error(`unknown model "${unknown}" (segkit models lists them)`);
  return (only.length ? only : all).map((name) => {
    const row: ModelRow = { name, summary: builderOf("model", name).summary ?? "", parameters: countParameters({ type: name, numClasses: classes }, name) };
    if (!cost) return row;
    const gmacs = gmacsOf(name, size, classes);
    return { ...row, gmacs, gflops: 2 * gmacs };
  });
}

function sizeArg(value: string): [number, number] {
  const parts = value.split(/[x,]/).map(Number);
  if (parts.length !== 2 || !parts.every((n) => Number.isInteger(n) && n > 0)) {
    throw new InvalidArgumentError(`--size: expected HxW such as 512x512, got "${value}"`);
  }
  return parts as [number, number];
}

function classesArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--classes: expected a positive integer, got "${value}"`);
  return n;
}

export function registerModels(program: Command): void {
  program
    .command("models")
    .argument("[names...]", "only these models (default: all)")
    .description("list the models with their parameters (and, with --cost, FLOPs), and the backbones and heads")
    .option("--cost", "also measure FLOPs of one inference pass (builds each model: slower, uses memory)")
    .option("--size <HxW>", "image size for the cost (rounded up to each model's divisor)", sizeArg, [256, 256] as [number, number])
    .option("--classes <K>", "number of classes", classesArg, 21)
    .option("--json", "one JSON object")
    .action((names: string[], opts: ModelsOptions) => {
      const rows = listModels(opts.size, opts.classes, { cost: opts.cost, only: names });
      const backbones = registered("backbone");
      const heads = registered("head");
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ size: opts.size, classes: opts.classes, models: rows, backbones, heads })}\n`);
        return;
      }
      const width = Math.max(...rows.map((r) => r.name.length));
      const at = `@${opts.size.join("x")}`;
      const costWidth = Math.max(14, 7 + at.length);
      const cost = (text: string): string => (opts.cost ? `${text.padStart(costWidth)}  ` : "");
      const lines = [`${"model".padEnd(width)}  params (M)  ${cost(`GFLOPs ${at}`)}description`];
      for (const r of rows) {
        lines.push(`${r.name.padEnd(width)}  ${(r.parameters / 1e6).toFixed(2).padStart(10)}  ${cost(r.gflops?.toFixed(2) ?? "")}${r.summary}`);
      }
      lines.push("", `backbones: ${backbones.join(", ")}`, `heads: ${heads.join(", ")}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
