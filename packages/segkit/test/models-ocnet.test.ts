// OCNet's base-OC and ASP-OC heads against the authors' code (github:openseg-group/OCNet.pytorch,
// oc_module/*.py, run by fixtures/ocnet_make_golden.py on Debian's torch 1.13 with a stand-in for their
// CUDA-only InPlaceABNSync: BatchNorm + leaky ReLU 0.01; seeded weights regenerated here): reduced
// heads load the reference's state dict by its key names (f_query an alias of f_key) with no missing
// or unexpected key, and on (2, 32, 7, 9) features their logits and gradients agree within 1e-4
// relative. Export is refused with a registered reason.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { OCHead, Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { checkOutputsAndGradients, loadReference } from "./fixtures/reference_weights.js";
import { exportModel } from "../src/engine/export-model.js";
import { notExportableReason } from "../src/models/not-exportable.js";

torch.setNumThreads(1);
const golden = torch.loadSafetensors(fileURLToPath(new URL("../../test/fixtures/ocnet_golden.safetensors", import.meta.url)));
const tmp = mkdtempSync(join(tmpdir(), "segkit-ocnet-"));
after(() => {
  for (const t of golden.tensors.values()) t.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

test("fixture records the reference repository and commit", () => {
  assert.equal(golden.metadata.repository, "github:openseg-group/OCNet.pytorch");
  assert.match(golden.metadata.commit, /^[0-9a-f]{40}$/);
});

for (const [name, head] of [["ocnet_base", { type: "oc_base" }], ["ocnet_asp", { type: "oc_asp", dilations: [1, 2, 3] }]] as const) {
  test(`${name} head (reduced): the authors' keys load, logits and gradients match`, () => {
    const start = torch.liveTensors();
    const model = build<OCHead>("head", { ...head, numClasses: 5, inChannels: 32, channels: 16 });
    loadReference(model, golden, name);
    model.eval();
    const output = model.call([golden.tensors.get("input")!]);
    assert.deepEqual(output.shape, [2, 5, 7, 9]);
    checkOutputsAndGradients(model, golden, name, [output]);
    output.dispose();
    model.zeroGrad();
    model.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

test("ocnet export is refused with its registered reason (leaky ReLU)", () => {
  for (const type of ["ocnet_base_r101", "ocnet_asp_r101"]) assert.match(notExportableReason(type) ?? "", /aten::leaky_relu/, type);
  const model = build<Segmentor>("model", {
    type: "encoder_decoder", numClasses: 3, backbone: { type: "resnet18", outputStride: 8, deepStem: true, width: 4 }, head: { type: "oc_base", channels: 16 },
  }).eval();
  assert.throws(() => exportModel(model, join(tmp, "ocnet.onnx"), { format: "onnx", size: [64, 64], modelType: "ocnet_base_r101" }), /model ocnet_base_r101 is not exportable/);
  model.dispose();
});
