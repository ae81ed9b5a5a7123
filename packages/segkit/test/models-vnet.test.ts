// V-Net against MONAI's monai.networks.nets.VNet (github:Project-MONAI/MONAI, run by
// fixtures/vnet_make_golden.py on Debian's torch 1.13, seeded weights regenerated here): MONAI's
// full-width model (16..256 channels, ELU, two classes) loads by MONAI's key names with no missing or
// unexpected key, and on a reduced 2×1×16×16×16 input the eval logits and the gradients agree within
// 1e-4 relative. The full-size parameter count equals MONAI's constructor's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import { listModels } from "../src/cli/models.js";
import type { VNet } from "../src/models/index.js";
import "../src/models/index.js";
import { checkParity } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const fixture = torch.loadSafetensors(fileURLToPath(new URL("../../test/fixtures/vnet_golden.safetensors", import.meta.url)));

test("fixture records the reference repository and commit", () => {
  assert.equal(fixture.metadata.repository, "github:Project-MONAI/MONAI");
  assert.match(fixture.metadata.commit, /^[0-9a-f]{40}$/);
});

test("vnet: MONAI's keys, eval logits and gradients on a 16³ volume", () => {
  checkParity(build<VNet>("model", { type: "vnet", numClasses: 2 }), fixture, "vnet", [2, 2, 16, 16, 16]);
});

test("full-size vnet count equals MONAI's VNet(in_channels=1, out_channels=1) (45.6 M), counted on the meta device", () => {
  const counts = JSON.parse(fixture.metadata.parameters) as Record<string, number>;
  assert.equal(countParameters({ type: "vnet", numClasses: 1 }), counts.vnet);
  assert.equal(Math.round(counts.vnet / 1e5) / 10, 45.6);
});

test("bad input and options are refused naming them", () => {
  const model = build<VNet>("model", { type: "vnet", numClasses: 2, width: 2 });
  const image = torch.zeros([1, 1, 16, 16]);
  assert.throws(() => model.forward(image), /VNet: expected a volume batch \(N, C, D, H, W\), got \[1, 1, 16, 16\]/);
  const odd = torch.zeros([1, 1, 16, 16, 24]);
  assert.throws(() => model.forward(odd), /VNet: volume sides must be multiples of 16 \(four halvings\), got 16×16×24/);
  const x = torch.zeros([1, 1, 16, 16, 16]);
  const target = torch.zeros([1, 16, 16], { dtype: "int64" });
  assert.throws(() => model.forwardTrain(x, target), /expected target of shape \[1, 16, 16, 16\], got \[1, 16, 16\]/);
  assert.throws(() => build("model", { type: "vnet", numClasses: 2, act: "gelu" }), /VNet: act must be one of elu, prelu, relu, got "gelu"/);
  assert.throws(() => build("model", { type: "vnet", numClasses: 2, inChannels: 3 }), /first stage's width 16 must be a multiple of inChannels 3/);
  for (const t of [image, odd, x, target]) t.dispose();
  model.dispose();
});

test("segkit models --cost measures vnet on an H×H×W volume: the 5×5×5 convolutions' MACs at 16³", () => {
  const [row] = listModels([16, 16], 2, { cost: true, only: ["vnet"] });
  // in_tr's conv alone: 16³ outputs × 16 channels × 125 taps × 1 input channel.
  assert.ok(row.gmacs! * 1e9 > 16 ** 3 * 16 * 125, `${row.gmacs} GMACs`);
  assert.equal(row.parameters, countParameters({ type: "vnet", numClasses: 2 }));
});
