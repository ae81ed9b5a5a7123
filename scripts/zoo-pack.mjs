#!/usr/bin/env node
// `npm run zoo:pack -- CONFIG_NAME RUN_DIR`: packs a finished training run into the model zoo
// (packages/segkit/zoo) and copies its log and curves to docs/model-zoo/CONFIG_NAME; then run
// `npm run docs` and commit both. Build first (`npx tsc -b`).
import { resolve } from "node:path";
import { packZooEntry } from "../packages/segkit/dist/tools/zoo-pack.js";
import { SHIPPED_ZOO } from "../packages/segkit/dist/src/engine/model-zoo.js";
import { shippedConfigNames } from "../packages/segkit/dist/src/engine/load.js";

const [configName, runDir] = process.argv.slice(2);
if (!configName || !runDir) {
  console.error("usage: npm run zoo:pack -- CONFIG_NAME RUN_DIR");
  process.exit(2);
}
if (!shippedConfigNames().includes(configName)) {
  console.error(`${configName}: not a shipped config name (the zoo keys its entries by them)`);
  process.exit(2);
}
const logDir = new URL(`../docs/model-zoo/${configName}`, import.meta.url).pathname;
const m = await packZooEntry(configName, resolve(runDir), SHIPPED_ZOO, logDir);
console.log(JSON.stringify({ config: m.config, mIoU: m.val.single.mIoU, flip: m.val.flip.mIoU, latency: m.latency }));
