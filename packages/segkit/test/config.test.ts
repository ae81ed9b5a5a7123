// Config composition, overrides and the registry: unknown names and keys are errors naming the
// culprit and the closest valid one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyOverrides } from "../src/config/overrides.js";
import { deepMerge, loadConfig } from "../src/config/compose.js";
import { build, register } from "../src/config/registry.js";
import { closest } from "../src/config/closest.js";

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
