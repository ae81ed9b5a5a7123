#!/usr/bin/env node
/**
 * The `segkit` command. Each subcommand lives in its own file and registers itself here.
 */
import { createRequire } from "node:module";
import { Command } from "commander";
import { registerClassic } from "./classic.js";
import { registerEval } from "./eval.js";
import { registerDataset } from "./dataset.js";
import { registerModels } from "./models.js";
import { registerTrain } from "./train.js";
import { registerDemo } from "./demo.js";
import { registerList } from "./list.js";
import { registerExport } from "./export.js";
import { registerConvert } from "./convert.js";
import { registerZoo } from "./zoo.js";
import { registerServe } from "./serve.js";
import { registerSam } from "./sam.js";

const { version } = createRequire(import.meta.url)("../../../package.json") as { version: string };

const program = new Command("segkit")
  .description("semantic image segmentation: train, evaluate and run segmentation networks")
  .version(version);

registerEval(program);
registerDataset(program);
registerModels(program);
registerTrain(program);
registerDemo(program);
registerList(program);
registerExport(program);
registerConvert(program);
registerZoo(program);
registerClassic(program);
registerServe(program);
registerSam(program);

program.parseAsync().catch((e: unknown) => {
  process.stderr.write(`segkit: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
