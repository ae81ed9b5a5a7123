// RefineNet and Light-Weight RefineNet against the authors' PyTorch code (github:DrSleep/refinenet-pytorch
// rf101 and github:DrSleep/light-weight-refinenet rf_lw50, run by fixtures/refinenet_make_golden.py on
// Debian's torch 1.13, seeded weights regenerated here): both at an eighth of their widths load by the
// authors' key names with no missing or unexpected key, and on a 36×52 input (odd maps for the
// aligned-corner upsampling) their stride-4 logits and the gradients agree within 1e-4 relative. The
// full-size counts equal the authors' constructors'. Export: models-unet-relatives-export.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { RefineNet } from "../src/models/index.js";
import "../src/models/index.js";
import { checkOutputsAndGradients, loadReference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/refinenet_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { metadata } = fixture;
const EIGHTH = { numClasses: 3, backboneWidth: 8, refineChannels: [64, 32] };

for (const [name, repository] of [["refinenet_lw", "github:DrSleep/light-weight-refinenet"], ["refinenet", "github:DrSleep/refinenet-pytorch"]]) {
  test(`${name}: fixture records the reference repository and commit`, () => {
    assert.equal(metadata[`${name}.repository`], repository);
    assert.match(metadata[`${name}.commit`], /^[0-9a-f]{40}$/);
  });
}

for (const [name, type] of [["refinenet_lw", "refinenet_lw_r50"], ["refinenet", "refinenet_r101"]]) {
  test(`${type} (eighth width): the authors' keys, stride-4 logits and gradients`, () => {
    const start = torch.liveTensors();
    const model = build<RefineNet>("model", { type, ...EIGHTH });
    loadReference(model, fixture, name);
    model.eval();
    const x = fixture.tensors.get("input")!;
    const logits = torch.tidy(() => model.decode(x));
    assert.deepEqual(logits.shape, [2, 3, 9, 13]);
    checkOutputsAndGradients(model, fixture, name, [logits]);
    const full = torch.tidy(() => model.forward(x));
    assert.deepEqual(full.shape, [2, 3, 36, 52], "forward upsamples to the input");
    [logits, full].forEach((t) => t.dispose());
    model.zeroGrad();
    model.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

// The Light-Weight RefineNet paper (Nekrasov et al. 2018, Table 1): RefineNet-101 118 M parameters,
// RefineNet-LW-50 27 M, -101 46 M, -152 62 M (VOC, 21 classes).
test("full-size counts equal the authors' constructors' (21 classes), counted on the meta device", () => {
  const counts = JSON.parse(metadata.parameters) as Record<string, number>;
  const paper: Record<string, number> = { refinenet_r101: 118, refinenet_lw_r50: 27, refinenet_lw_r101: 46, refinenet_lw_r152: 62 };
  for (const [name, millions] of Object.entries(paper)) {
    assert.equal(countParameters({ type: name, numClasses: 21 }), counts[name], name);
    assert.equal(Math.round(counts[name] / 1e6), millions, name);
  }
});

test("bad widths are refused naming the key", () => {
  assert.throws(() => build("model", { type: "refinenet_lw_r50", ...EIGHTH, refineChannels: [64] }), /RefineNet: refineChannels must be \[top, rest\]/);
  assert.throws(() => build("model", { type: "refinenet_lw_r50", ...EIGHTH, refineChannels: [64, 0] }), /RefineNet: refineChannels must be integers ≥ 1/);
});
