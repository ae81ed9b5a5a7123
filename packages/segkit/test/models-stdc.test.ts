// STDC backbones and STDC-Seg against the authors' code (github:MichaelFan01/STDC-Seg, run by
// fixtures/stdc_make_golden.py on PyTorch 1.13 with seeded weights regenerated here): the
// reference's state dict loads with no missing or unexpected keys, eval outputs and gradients agree
// within 1e-4 relative on a 75×101 input (not a multiple of 32), the detail loss matches theirs, and
// the full-size models have the published parameter counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import type { STDCNet } from "../src/models/segmentors/stdc/stdc-net.js";
import type { STDCSeg } from "../src/models/segmentors/stdc/model.js";
import { boundaryTargets, detailLoss } from "../src/models/segmentors/stdc/detail-loss.js";
import { checkOutputsAndGradients, loadReference, relativeDifference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/stdc_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { tensors: golden, metadata } = fixture;
const input = golden.get("input")!;
const target = golden.get("target")!;

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:MichaelFan01/STDC-Seg");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

for (const name of ["stdc1", "stdc2"] as const) {
  test(`${name} backbone (base 16): reference keys, features, classifier logits and gradients match`, () => {
    const start = torch.liveTensors();
    const backbone = build<STDCNet>("backbone", { type: name, base: 16, numClasses: 10 });
    loadReference(backbone, fixture, name);
    backbone.eval();
    const outputs = [...backbone.forward(input), backbone.classify(input)];
    assert.deepEqual(outputs.slice(0, 5).map((f) => f.shape[1]), backbone.outChannels);
    checkOutputsAndGradients(backbone, fixture, name, outputs);
    outputs.forEach((t) => t.dispose());
    backbone.zeroGrad();
    backbone.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

for (const name of ["stdc1_seg", "stdc2_seg"] as const) {
  test(`${name} (full size): reference keys, main/auxiliary/detail outputs, detail loss, gradients and folded inference match`, () => {
    const start = torch.liveTensors();
    const model = build<STDCSeg>("model", { type: name, numClasses: 5 });
    loadReference(model, fixture, name);
    model.eval();
    const outputs = model.forwardAll(input);
    assert.deepEqual(outputs.map((o) => o.shape), [[1, 5, 75, 101], [1, 5, 75, 101], [1, 5, 75, 101], [1, 1, 10, 13]]);
    const [bce, dice] = golden.get(`${name}.detail_loss`)!.toArray() as number[];
    torch.tidy(() => {
      const loss = detailLoss(outputs[3].detach(), target);
      assert.ok(Math.abs(loss.bce.item() - bce) <= 1e-5 * bce, `detail BCE ${loss.bce.item()} vs ${bce}`);
      assert.ok(Math.abs(loss.dice.item() - dice) <= 1e-5 * dice, `detail Dice ${loss.dice.item()} vs ${dice}`);
    });
    checkOutputsAndGradients(model, fixture, name, outputs);
    const predicted = model.predict(input);
    assert.equal(relativeDifference(predicted, outputs[0]), 0, "predict gives forward's main logits");
    // Inference with BatchNorm folded into the convs (each module once, though the stage aliases list it twice).
    const { folded } = model.optimizeForInference(input);
    assert.equal(folded, name === "stdc1_seg" ? 38 : 62, "every conv → BatchNorm pair on the inference path is folded");
    const fast = model.predict(input);
    const fastDiff = relativeDifference(fast, golden.get(`${name}.output.0`)!);
    assert.ok(fastDiff <= 1e-4, `optimized for inference: relative difference ${fastDiff}`);
    for (const t of [...outputs, predicted, fast]) t.dispose();
    model.zeroGrad();
    model.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

test("boundary targets: fused edges of strides 1, 2 and 4; a stride-4 edge alone (weight 0.1) is not enough", () => {
  torch.tidy(() => {
    const labels = torch.zeros([1, 8, 8], { dtype: "int64" });
    labels.slice(2, 4, 8).fill_(1);
    const edges = boundaryTargets(labels);
    assert.deepEqual(edges.shape, [1, 1, 8, 8]);
    // Row 3: the Laplacian is positive on the label-1 side of the step (column 4) and, with zero
    // padding, at the image border (column 7); the stride-2 level adds column 5 (nearest from column
    // 4); the stride-4 level alone marks column 6, and 0.1 does not pass the 0.1 threshold.
    assert.deepEqual(edges.select(2, 3).flatten().toArray(), [0, 0, 0, 0, 1, 1, 0, 1]);
  });
});

// Fan et al. 2021 give STDC1 8.44M and STDC2 12.47M parameters (the ImageNet classifiers, their
// table of ImageNet results); the paper gives no count for STDC-Seg, so those assert the count of the
// authors' BiSeNet(…, n_classes=19) computed by the fixture script.
test("full-size parameter counts: paper for the backbones, the authors' code for STDC-Seg", () => {
  const reference = JSON.parse(metadata.parameters) as Record<string, number>;
  const published: Record<string, number> = { stdc1: 8.44e6, stdc2: 12.47e6 };
  for (const name of ["stdc1", "stdc2"]) {
    const backbone = build<STDCNet>("backbone", { type: name });
    const count = backbone.numParameters();
    backbone.dispose();
    assert.equal(count, reference[name], `${name}: the authors' code`);
    assert.equal(Math.round(count / 1e4) * 1e4, published[name], `${name}: ${count} rounds to the paper's ${published[name]}`);
  }
  for (const name of ["stdc1_seg", "stdc2_seg"]) {
    const model = build<Segmentor>("model", { type: name, numClasses: 19 });
    assert.equal(model.numParameters(), reference[name], name);
    model.dispose();
  }
});

test("stdc options are checked: a bad width is a clear error", () => {
  assert.throws(() => build("backbone", { type: "stdc1", base: 10 }), /STDCNet: base must be integer ≥ 1, multiple of 4, got 10/);
  assert.throws(() => build("model", { type: "stdc1_seg", numClasses: 3, headChannels: 2 }), /STDCSeg: headChannels must be integer ≥ 4, got 2/);
  assert.throws(() => build("model", { type: "stdc2_seg", numClasses: 3, contextChannels: 12.5 }), /STDCSeg: contextChannels must be integer ≥ 1, got 12.5/);
  assert.throws(() => build("model", { type: "stdc1_seg", numClasses: 3, width: 3 }), /unknown key "width"/);
});
