// Config composition, overrides and the registry: unknown names and keys are errors naming the
// culprit and the closest valid one; keys that reach the object machinery (__proto__, constructor,
// prototype) and unknown enum values are rejected; dataset roots in a file are relative to the file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyOverrides } from "../src/config/overrides.js";
import { deepMerge, loadConfig } from "../src/config/compose.js";
import { build, register } from "../src/config/registry.js";
import { closest } from "../src/config/closest.js";
import { loadRunConfig } from "../src/engine/load.js";
import { runConfig } from "../src/engine/run-config.js";
import * as torch from "@segkit/torch";
import "../src/models/index.js";
import type { Segmentor } from "../src/models/segmentors/segmentor.js";

test("overrides set existing keys, parse JSON values, and name misspelt keys", () => {
  const cfg = { optimizer: { type: "SGD", lr: 0.01, momentum: 0.9 }, crop: [512, 512], name: "x" };
  applyOverrides(cfg, ["optimizer.lr=0.05", "crop.1=256", "name=run 2", "optimizer.type=\"AdamW\""]);
  assert.deepEqual(cfg, { optimizer: { type: "AdamW", lr: 0.05, momentum: 0.9 }, crop: [512, 256], name: "run 2" });
  assert.throws(() => applyOverrides(cfg, ["optimizer.lrr=1"]), /unknown key "optimizer\.lrr" \(did you mean "lr"\?\)/);
  assert.throws(() => applyOverrides(cfg, ["crop.5=1"]), /crop\.5 is not an index of a list of 2/);
  assert.throws(() => applyOverrides(cfg, ["optimizer"]), /expected path=value/);
  assert.throws(() => applyOverrides(cfg, ["name.first=1"]), /name is not an object/);
});

test("configs compose from base files, later parts overriding earlier ones", async () => {
  const dir = mkdtempSync(join(tmpdir(), "segkit-cfg-"));
  try {
    writeFileSync(join(dir, "model.json"), JSON.stringify({ model: { type: "unet", width: 32, norm: { type: "BN" } } }));
    writeFileSync(join(dir, "schedule.json"), JSON.stringify({ iters: 1000, optimizer: { lr: 0.01 } }));
    writeFileSync(join(dir, "run.json"), JSON.stringify({ base: ["model.json", "schedule.json"], model: { width: 64 }, iters: 2000 }));
    const cfg = await loadConfig(join(dir, "run.json"));
    assert.deepEqual(cfg, { model: { type: "unet", width: 64, norm: { type: "BN" } }, iters: 2000, optimizer: { lr: 0.01 } });
    writeFileSync(join(dir, "a.json"), JSON.stringify({ base: "b.json" }));
    writeFileSync(join(dir, "b.json"), JSON.stringify({ base: "a.json" }));
    await assert.rejects(loadConfig(join(dir, "a.json")), /base cycle/);
    writeFileSync(join(dir, "broken.json"), "{ nope");
    await assert.rejects(loadConfig(join(dir, "broken.json")), /broken\.json: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(deepMerge({ a: [1, 2], b: { c: 1 } }, { a: [3], b: { d: 2 } }), { a: [3], b: { c: 1, d: 2 } });
  assert.deepEqual(deepMerge({ opt: { type: "SGD", lr: 1, momentum: 0.9 } }, { opt: { type: "AdamW", lr: 2 } }), { opt: { type: "AdamW", lr: 2 } });
  assert.deepEqual(deepMerge({ opt: { type: "SGD", lr: 1, momentum: 0.9 } }, { opt: { lr: 2 } }), { opt: { type: "SGD", lr: 2, momentum: 0.9 } });
});

test("the registry builds by name and rejects unknown names and keys", () => {
  register("schedule", "test-constant", { options: ["value"], build: (o) => ({ lr: o.value }) });
  assert.deepEqual(build("schedule", { type: "test-constant", value: 3 }), { lr: 3 });
  assert.throws(() => build("schedule", { type: "test-constnat" }), /unknown schedule "test-constnat" \(did you mean "test-constant"\?\)/);
  assert.throws(() => build("schedule", { type: "test-constant", valeu: 1 }, "schedule"),
    /schedule \(schedule "test-constant"\): unknown key "valeu" \(did you mean "value"\?\)/);
  assert.throws(() => build("schedule", { nope: 1 } as never), /expected an object with a "type"/);
  assert.throws(() => register("schedule", "test-constant", { options: [], build: () => 0 }), /registered twice/);
  assert.equal(closest("backbnoe", ["backbone", "neck"]), "backbone");
  assert.equal(closest("zzzzzz", ["backbone", "neck"]), undefined);
});

test("__proto__, constructor and prototype are rejected in config files and --set, naming the key path", async () => {
  const dir = mkdtempSync(join(tmpdir(), "segkit-cfg-"));
  try {
    const cases: [string, RegExp][] = [
      ['{ "__proto__": { "polluted": 1 } }', /proto\.json: key "__proto__" is not allowed/],
      ['{ "model": { "type": "unet", "constructor": 1 } }', /proto\.json: key "model\.constructor" is not allowed/],
      ['{ "data": { "train": { "pipeline": [{ "type": "Normalize" }, { "prototype": {} }] } } }', /proto\.json: key "data\.train\.pipeline\.1\.prototype" is not allowed/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(join(dir, "proto.json"), text);
      await assert.rejects(loadConfig(join(dir, "proto.json")), message);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cfg = { model: { type: "unet", widths: [4, 8] } };
  assert.throws(() => applyOverrides(cfg, ["__proto__.polluted=1"]), /--set __proto__\.polluted=1: key "__proto__" is not allowed/);
  assert.throws(() => applyOverrides(cfg, ["constructor=1"]), /key "constructor" is not allowed/);
  assert.throws(() => applyOverrides(cfg, ["model.prototype=1"]), /key "model\.prototype" is not allowed/);
  assert.throws(() => applyOverrides(cfg, ['model={"type":"unet","__proto__":{"polluted":1}}']), /key "model\.__proto__" is not allowed/);
  assert.throws(() => applyOverrides(cfg, ["model.toString=1"]), /unknown key "model\.toString"/, "inherited names are not keys");
  assert.deepEqual(cfg, { model: { type: "unet", widths: [4, 8] } }, "nothing was applied");
  assert.equal((({}) as Record<string, unknown>).polluted, undefined);
});

test("an unknown test.mode is rejected instead of falling back to whole-image inference", () => {
  const config = {
    model: { type: "unet", numClasses: 2 },
    data: { train: { dataset: { type: "synthetic" } }, val: { dataset: { type: "synthetic" } } },
  };
  assert.equal(runConfig({ ...config, test: { mode: "whole" } }).test.mode, "whole");
  assert.throws(() => runConfig({ ...config, test: { mode: "slid" } }), /config\.test\.mode must be "whole" or "slide", got "slid"/);
  assert.throws(() => runConfig({ ...config, test: { mode: 1 } }), /config\.test\.mode must be "whole" or "slide", got 1/);
  const model = build<Segmentor>("model", { type: "unet", numClasses: 2, widths: [4, 8] });
  const x = torch.zeros([1, 3, 16, 16]);
  assert.throws(() => model.predict(x, { mode: "slid" } as never), /UNet\.predict: mode must be "whole" or "slide", got "slid"/);
  x.dispose();
  model.dispose();
});

test("dataset roots in a config file resolve against its folder, --set roots against the working directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "segkit-cfg-"));
  try {
    mkdirSync(join(dir, "configs", "base"), { recursive: true });
    const val = { dataset: { type: "folder", root: "../data/val" } };
    writeFileSync(join(dir, "configs", "base", "data.json"), JSON.stringify({ data: { train: { dataset: { type: "folder", root: "../../data/train" } }, val } }));
    writeFileSync(join(dir, "configs", "run.json"), JSON.stringify({ base: "base/data.json", model: { type: "unet", numClasses: 2 }, data: { val } }));
    const run = await loadRunConfig(join(dir, "configs", "run.json"));
    assert.equal(run.data.train.dataset.root, join(dir, "data", "train"), "a base file's root is relative to the base file");
    assert.equal(run.data.val.dataset.root, join(dir, "data", "val"), "the config's own root is relative to the config");
    const overridden = await loadRunConfig(join(dir, "configs", "run.json"), ["data.val.dataset.root=here/val", `data.train.dataset.root=${join(dir, "abs")}`]);
    assert.equal(overridden.data.val.dataset.root, join(process.cwd(), "here", "val"));
    assert.equal(overridden.data.train.dataset.root, join(dir, "abs"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
