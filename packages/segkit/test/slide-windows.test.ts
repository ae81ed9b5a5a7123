// Sliding-window inference must cover every pixel: a stride larger than the crop leaves gaps that
// no window sees (their average divides by zero), so such settings are rejected wherever they
// enter — the config, `segkit test --slide` and Segmentor.predict — with an error naming them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { runConfig } from "../src/engine/run-config.js";
import { Pointwise } from "./fixtures/pointwise.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

const CONFIG = {
  model: { type: "unet", numClasses: 2, widths: [4, 8] },
  data: {
    train: { dataset: { type: "synthetic", length: 2, size: [32, 32] } },
    val: { dataset: { type: "synthetic", length: 2, size: [32, 32] } },
  },
};

test("a config whose slide stride exceeds its crop is rejected at load, naming the keys", () => {
  const slide = (crop: unknown, stride: unknown) => runConfig(structuredClone({ ...CONFIG, test: { mode: "slide", crop, stride } }) as never);
  assert.throws(() => slide([32, 32], [48, 16]), /config\.test: "stride" \[48, 16\] must not exceed "crop" \[32, 32\]/);
  assert.throws(() => slide([32, 32], [16, 33]), /config\.test: "stride" \[16, 33\] must not exceed "crop" \[32, 32\]/);
  assert.throws(() => slide([32, 32], [0, 16]), /config\.test: "stride" must be \[height, width\] in positive integers, got \[0,16\]/);
  assert.throws(() => slide([32.5, 32], [16, 16]), /config\.test: "crop" must be \[height, width\] in positive integers/);
  assert.throws(() => slide(32, [16, 16]), /config\.test: "crop" must be \[height, width\]/);
  assert.deepEqual(slide([32, 24], [32, 24]).test.stride, [32, 24]);
});

test("Segmentor.predict rejects a stride larger than the crop instead of dividing by zero", () => {
  const start = torch.liveTensors();
  // Every window covering a pixel gives it the same logits: slide inference must equal whole-image.
  const model = new Pointwise(3).eval();
  const x = torch.randn([1, 3, 20, 30]);
  assert.throws(() => model.predict(x, { mode: "slide", crop: [8, 8], stride: [12, 8] }), /Pointwise\.predict: "stride" \[12, 8\] must not exceed "crop" \[8, 8\]/);
  assert.throws(() => model.predict(x, { mode: "slide", crop: [8, 8], stride: [8, 0] }), /Pointwise\.predict: "stride" must be/);
  // Allowed settings cover every pixel, also where the windows do not tile the image evenly.
  const whole = model.predict(x);
  for (const [crop, stride] of [[[8, 8], [8, 8]], [[8, 12], [5, 7]], [[32, 32], [32, 32]]] as [number, number][][]) {
    const slid = model.predict(x, { mode: "slide", crop: crop as [number, number], stride: stride as [number, number] });
    assert.ok(torch.allclose(slid, whole, 1e-5, 1e-6), `crop ${crop} stride ${stride}`);
    slid.dispose();
  }
  for (const t of [x, whole]) t.dispose();
  model.dispose();
  assert.equal(torch.liveTensors(), start);
});

test("segkit test --slide with a stride larger than the crop fails before loading anything", () => {
  const dir = mkdtempSync(join(tmpdir(), "segkit-slide-"));
  try {
    const config = join(dir, "tiny.json");
    writeFileSync(config, JSON.stringify(CONFIG));
    const r = spawnSync(process.execPath, [CLI, "test", config, join(dir, "none.safetensors"), "--slide", "16x16,24x16"], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--slide 16x16,24x16: "stride" \[24, 16\] must not exceed "crop" \[16, 16\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
