/**
 * `segkit dataset inspect PATH --format F`: reads every sample of a dataset folder and reports
 * counts, image sizes, class frequencies and class weights, and the problems it found.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { didYouMean } from "../config/closest.js";
import { build, currentName, registered } from "../config/registry.js";
import "../data/datasets/index.js";
import { formatReport, inspectDataset } from "../data/inspect.js";
import type { Dataset } from "../data/types.js";

export function registerDataset(program: Command): void {
  const dataset = program.command("dataset").description("dataset tools");
  const formats = registered("dataset").filter((f) => f !== "synthetic");
  // A former name (coco-stuff) still works, with the registry's deprecation note.
  const format = (value: string): string => {
    const name = currentName("dataset", value);
    if (formats.includes(name)) return name;
    throw new InvalidArgumentError(`"${value}" is invalid${didYouMean(value, formats)}; formats: ${formats.join(", ")}`);
  };
  dataset
    .command("inspect")
    .description("class frequencies, class weights, image sizes and problems of a dataset folder")
    .argument("<path>", "dataset root folder")
    .addOption(new Option("--format <format>", `dataset layout: ${formats.join(", ")}`).argParser(format).makeOptionMandatory())
    .option("--split <split>", "split to read (format's default if omitted)")
    .option("--json", "print JSON")
    .action(async (path: string, opts: { format: string; split?: string; json?: boolean }) => {
      const data = build<Dataset & { skipped?: { file: string; reason: string }[] }>("dataset", {
        type: opts.format, root: path, skipBad: true, ...(opts.split ? { split: opts.split } : {}),
      });
      const problems = (data.skipped ?? []).map((s) => `${s.file}: ${s.reason}`);
      const report = await inspectDataset(data, problems);
      process.stdout.write((opts.json ? JSON.stringify(report) : formatReport(report)) + "\n");
    });
}
