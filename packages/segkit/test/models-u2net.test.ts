// U²-Net against the authors' code (github:xuebinqin/U-2-Net, model/u2net.py, run by
// fixtures/u2net_make_golden.py on Debian's torch 1.13, seeded weights regenerated here): their small
// U2NETP as it is (one saliency channel) and their full U2NET at a quarter of its widths with two
// output channels load by the authors' key names with no missing or unexpected key, and on a 36×44
// input (odd maps: ceil-mode pools, resizes to the skip's size) the seven outputs through the
// authors' sigmoid (fused, then side1..side6) and the gradients agree within 1e-4 relative. The
// full-size counts equal the authors' constructors'. Its ONNX export is tested in
// models-unet-relatives-export.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { U2Net } from "../src/models/index.js";
import "../src/models/index.js";
import { checkOutputsAndGradients, loadReference } from "./fixtures/reference_weights.js";
import { predictProbabilities } from "../src/engine/evaluate.js";
import { exportModel } from "../src/engine/export-model.js";
import type { TestConfig } from "../src/engine/run-config.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/u2net_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { metadata } = fixture;
// The authors' U2NET with every width of 16 or more divided by 4.
const QUARTER = {
  type: "u2net", numClasses: 2,
  encoderChannels: [[8, 16], [8, 32], [16, 64], [32, 128], [64, 128], [64, 128]],
  decoderChannels: [[4, 16], [8, 16], [16, 32], [32, 64], [64, 128]],
};

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:xuebinqin/U-2-Net");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

for (const [name, config, channels] of [["u2netp", { type: "u2netp", numClasses: 1 }, 1], ["u2net", QUARTER, 2]] as const) {
  test(`${name}${name === "u2net" ? " (quarter width)" : ""}: the authors' keys, seven sigmoid outputs and gradients`, () => {
    const start = torch.liveTensors();
    const model = build<U2Net>("model", config);
    loadReference(model, fixture, name);
    model.eval();
    const outputs = torch.tidy(() => model.outputs(fixture.tensors.get("input")!).map((o) => o.sigmoid()));
    assert.equal(outputs.length, 7);
    for (const o of outputs) assert.deepEqual(o.shape, [2, channels, 36, 44]);
    checkOutputsAndGradients(model, fixture, name, outputs);
    const fused = torch.tidy(() => model.forward(fixture.tensors.get("input")!).sigmoid().sub(outputs[0]).abs().max().item());
    assert.equal(fused, 0, "forward returns the fused output");
    outputs.forEach((o) => o.dispose());
    model.zeroGrad();
    model.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

// The paper (Qin et al. 2020, Table 3): U²-Net 176.3 MB (44.0 M parameters), U²-Net† 4.7 MB (1.1 M).
test("full-size u2net and u2netp counts equal the authors' constructors' (one output channel), counted on the meta device", () => {
  const counts = JSON.parse(metadata.parameters) as Record<string, number>;
  assert.equal(countParameters({ type: "u2net", numClasses: 1 }), counts.u2net);
  assert.equal(countParameters({ type: "u2netp", numClasses: 1 }), counts.u2netp);
  assert.equal(Math.round(counts.u2net / 1e5) / 10, 44.0);
  assert.equal(Math.round(counts.u2netp / 1e5) / 10, 1.1);
});

test("deep supervision: seven loss parts; one channel trains with the authors' binary cross-entropy", () => {
  // Eval mode: a 20×24 input reaches 1×1 maps, where training-mode BatchNorm needs a larger batch.
  const model = build<U2Net>("model", { ...QUARTER, numClasses: 1 }).eval();
  const x = torch.randn([1, 3, 20, 24]);
  const target = torch.randint(0, 2, [1, 20, 24]);
  const { loss, parts } = model.forwardTrain(x, target);
  assert.deepEqual(Object.keys(parts), ["decode.loss0", "decode.loss1", "decode.loss2", "decode.loss3", "decode.loss4", "decode.loss5", "decode.loss6"]);
  const expected = torch.tidy(() => {
    const truth = target.unsqueeze(1).to("float32");
    const sum = model.outputs(x).map((o) => torch.binaryCrossEntropyWithLogits(o, truth)).reduce((a, b) => a.add(b));
    return sum.item();
  });
  assert.ok(Math.abs(loss.item() - expected) <= 1e-5 * expected, `${loss.item()} vs ${expected}`);
  for (const t of [loss, ...Object.values(parts), x, target]) t.dispose();
  model.dispose();
});

test("bad widths are refused naming the key; one channel takes no loss config", () => {
  assert.throws(() => build("model", { ...QUARTER, numClasses: 1, loss: { type: "dice" } }), /U2Net: with numClasses 1 .* leave loss unset/);
  assert.throws(() => build("model", { ...QUARTER, encoderChannels: [[8, 16]] }), /U2Net: encoderChannels must list 6 \[mid, out\] pairs/);
  assert.throws(() => build("model", { ...QUARTER, decoderChannels: [[4, 16], [8, 16], [16, 32], [32, 64], [64, 0]] }), /U2Net: decoderChannels must be integers ≥ 1/);
});

test("labels are refused for the one-channel form, naming why (a softmax over one channel would make every pixel class 0)", () => {
  const model = build<U2Net>("model", { type: "u2netp", numClasses: 1 }).eval();
  const x = torch.randn([1, 3, 32, 32]);
  const test: TestConfig = { mode: "whole", crop: null, stride: null, scales: [1], flip: false };
  assert.throws(() => predictProbabilities(model, x, test), /class probabilities need one output channel per class, and this model has numClasses 1/);
  assert.throws(() => exportModel(model, "/nonexistent/never-written.onnx", { format: "onnx", size: [32, 32], argmax: true, modelType: "u2netp" }),
    /--argmax's class ids need one output channel per class/);
  x.dispose();
  model.dispose();
});
