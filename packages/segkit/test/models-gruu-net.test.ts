// GRUU-Net (Wollmann et al. 2019). No runnable reference exists, so the tests check the structure the
// paper describes (encoder features at several scales, convolutional GRUs refining coarse to fine with
// the hidden state carried up a scale at a time): every stage's size and width, the ConvGRU update rule
// at its gate limits, the parameter count of the layers listed here (the paper states no count for
// this form), the training proof and ONNX export.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { GRUUNet } from "../src/models/segmentors/gruu-net/model.js";
import { ConvGRUCell } from "../src/models/segmentors/gruu-net/conv-gru.js";
import "../src/models/index.js";
import { assertOverfits } from "./fixtures/overfit.js";
import { onnxRelativeDifference } from "./fixtures/onnx-parity.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-gruu-net-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const WIDTHS = [4, 8, 16, 32];

test("gruu_net: features at strides 1, 2, 4, 8; one GRU state per scale from the coarsest to the finest; logits at the input size", () => {
  torch.manualSeed(0);
  const model = build<GRUUNet>("model", { type: "gruu_net", numClasses: 5, widths: WIDTHS }).eval();
  torch.tidy(() => torch.noGrad(() => {
    const x = torch.randn([2, 3, 32, 48]);
    const at = (c: number, stride: number) => [2, c, 32 / stride, 48 / stride];
    assert.deepEqual(model.features(x).map((f) => f.shape), [at(4, 1), at(8, 2), at(16, 4), at(32, 8)]);
    assert.deepEqual(model.hiddenStates(x).map((h) => h.shape), [at(32, 8), at(16, 4), at(8, 2), at(4, 1)]);
    assert.deepEqual(model.forward(x).shape, [2, 5, 32, 48]);
  }));
  assert.equal(model.grus.length, 4);
  model.dispose();
});

test("ConvGRU: a closed update gate keeps the state, an open one replaces it by the candidate", () => {
  torch.manualSeed(0);
  const cell = new ConvGRUCell(3, 2);
  torch.tidy(() => torch.noGrad(() => {
    const x = torch.randn([1, 3, 5, 6]);
    const h = torch.randn([1, 2, 5, 6]);
    cell.gates.weight.zero_();
    const bias = cell.gates.bias!;
    // z (first 2 channels) shut, r (last 2) open: h' = h.
    bias.copy_(torch.tensor([-1e4, -1e4, 1e4, 1e4]));
    assert.ok(cell.call(x, h).sub(h).abs().max().item() < 1e-6);
    // z open, r open: h' = tanh(W_h ∗ [x, h]).
    bias.copy_(torch.tensor([1e4, 1e4, 1e4, 1e4]));
    const candidate = cell.candidate.call(torch.cat([x, h], 1)).tanh();
    assert.ok(cell.call(x, h).sub(candidate).abs().max().item() < 1e-6);
  }));
  cell.dispose();
});

test("gruu_net has the parameters of its encoder, GRUs, projections and head", () => {
  const classes = 5;
  const conv = (k: number, cin: number, cout: number, bias = true) => k * k * cin * cout + (bias ? cout : 0);
  const doubleConv = (cin: number, cout: number) => conv(3, cin, cout, false) + 2 * cout + conv(3, cout, cout, false) + 2 * cout;
  const gru = (c: number) => conv(3, 2 * c, 2 * c) + conv(3, 2 * c, c);
  const expected = doubleConv(3, 4) + doubleConv(4, 8) + doubleConv(8, 16) + doubleConv(16, 32)
    + gru(32) + gru(16) + gru(8) + gru(4)
    + conv(1, 32, 16) + conv(1, 16, 8) + conv(1, 8, 4) + conv(1, 4, classes);
  assert.equal(countParameters({ type: "gruu_net", numClasses: classes, widths: WIDTHS }), expected);
});

test("gruu_net (reduced): overfits 4 synthetic scenes to mIoU >= 0.9; every trainable parameter gets a gradient", () =>
  assertOverfits({ type: "gruu_net", widths: [8, 16, 32] }, { steps: 120, lr: 0.01, size: [32, 32] }));

test("gruu_net (reduced) exports to ONNX and onnxruntime reproduces the eval output", async () => {
  torch.manualSeed(0);
  const model = build<GRUUNet>("model", { type: "gruu_net", numClasses: 3, widths: WIDTHS });
  const difference = await onnxRelativeDifference(model, "gruu_net", [32, 48], tmp);
  assert.ok(difference <= 1e-4, `onnxruntime differs by ${difference} relative`);
  model.dispose();
});
