// DeepLab v2 against kazuto1011/deeplab-pytorch (github:kazuto1011/deeplab-pytorch, run by
// fixtures/deeplab_v2_make_golden.py on Debian's torch 1.13; seeded weights regenerated here): a
// reduced-depth model (one bottleneck per stage at the reference's widths) loads the reference's
// state dict by its own key names with no missing or unexpected key; on a 50×67 input the logits of
// the full, 0.5 and 0.75 scales and their max fusion agree within 1e-4 relative, and so do the
// gradients; the full-size model has the reference's parameter count.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { DeepLabV2 } from "../src/models/index.js";
import "../src/models/index.js";
import { checkOutputsAndGradients, loadReference } from "./fixtures/reference_weights.js";
import { exportModel } from "../src/engine/export-model.js";

torch.setNumThreads(1);
const golden = torch.loadSafetensors(fileURLToPath(new URL("../../test/fixtures/deeplab_v2_golden.safetensors", import.meta.url)));
const tmp = mkdtempSync(join(tmpdir(), "segkit-deeplab-v2-"));
after(() => {
  for (const t of golden.tensors.values()) t.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

test("fixture records the reference repository and commit", () => {
  assert.equal(golden.metadata.repository, "github:kazuto1011/deeplab-pytorch");
  assert.match(golden.metadata.commit, /^[0-9a-f]{40}$/);
});

test("deeplabv2 (reduced depth): reference keys; every scale's logits, the max fusion and the gradients match", () => {
  const start = torch.liveTensors();
  const model = build<DeepLabV2>("model", { type: "deeplabv2_r101", numClasses: 5, blocks: [1, 1, 1, 1] });
  loadReference(model, golden, "deeplabv2");
  model.eval();
  const x = golden.tensors.get("input")!;
  const outputs = torch.tidy(() => model.scaleLogits(x));
  assert.deepEqual(outputs.map((o) => o.shape), [[1, 5, 7, 9], [1, 5, 4, 5], [1, 5, 5, 7], [1, 5, 7, 9]]);
  checkOutputsAndGradients(model, golden, "deeplabv2", outputs);
  // forward is the fused logits at the input size.
  torch.tidy(() => torch.noGrad(() => assert.deepEqual(model.call(x).shape, [1, 5, 50, 67])));
  for (const o of outputs) o.dispose();
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("full-size parameter count equals the reference's DeepLabV2_ResNet101_MSC (21 classes)", () => {
  const counts = JSON.parse(golden.metadata.parameters) as Record<string, number>;
  assert.equal(countParameters({ type: "deeplabv2_r101", numClasses: 21 }), counts.deeplabv2_r101);
});

test("deeplabv2 options are checked", () => {
  assert.throws(() => build("model", { type: "deeplabv2_r101", numClasses: 3, blocks: [1, 1] }), /DeepLab v2 ResNet: blocks must list 4 positive block counts/);
  assert.throws(() => build("model", { type: "deeplabv2_r101", numClasses: 3, blocks: [1, 1, 1, 1], scales: [1.5] }), /DeepLabV2: scales must lie in \(0, 1\), got \[1.5\]/);
});

test("deeplabv2 export is refused with its registered reason (resizes by scale factor)", () => {
  const model = build<DeepLabV2>("model", { type: "deeplabv2_r101", numClasses: 3, blocks: [1, 1, 1, 1], width: 8 }).eval();
  assert.throws(() => exportModel(model, join(tmp, "deeplabv2.onnx"), { format: "onnx", size: [64, 64], modelType: "deeplabv2_r101" }),
    /model deeplabv2_r101 is not exportable: its input pyramid resizes by scale factor/);
  model.dispose();
});
