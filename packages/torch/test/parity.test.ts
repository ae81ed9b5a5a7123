// A small conv net written with raw ops: loss and every gradient equal PyTorch's (golden fixture made
// by test/fixtures/make_convnet_golden.py) within 1e-5 relative (float64 throughout).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { assertClose, fixture } from "./helpers.js";

test("conv net loss and gradients match PyTorch", () => {
  const golden = torch.loadSafetensors(fixture("convnet_golden.safetensors")).tensors;
  const g = (name: string): torch.Tensor => {
    const t = golden.get(name);
    assert.ok(t, `fixture has ${name}`);
    return t;
  };
  const names = ["x", "w1", "b1", "gamma", "beta", "w2", "b2"];
  const p = Object.fromEntries(names.map((n) => [n, g(n).clone()])) as Record<string, torch.Tensor>;
  for (const t of Object.values(p)) t.requiresGrad = true;

  torch.tidy(() => {
    let h = torch.conv2d(p.x, p.w1, p.b1, 1, 1);
    h = torch.batchNorm(h, p.gamma, p.beta, null, null, true, 0.1, 1e-5, false);
    h = torch.relu(h);
    h = torch.maxPool2d(h, 2);
    h = torch.conv2d(h, p.w2, p.b2, 1, 1);
    const logits = torch.upsampleBilinear2d(h, [12, 16], false);
    const loss = torch.crossEntropyLoss(logits, g("target"), { ignoreIndex: 255 });
    assertClose(loss.reshape([1]), g("loss"), { rtol: 1e-5 }, "loss");
    loss.backward();
  });
  for (const n of names) assertClose(p[n].grad!, g(`grad_${n}`), { rtol: 1e-5, atol: 1e-12 }, `grad of ${n}`);
});
