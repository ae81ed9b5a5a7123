// Folding BatchNorm into the conv before it: the fused conv alone gives conv → BatchNorm's eval
// output (1e-5), the norm passes its input through and holds an identity state, and misuse is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { nn } from "../src/index.js";

function trainedNorm(channels: number): nn.BatchNorm2d {
  const bn = new nn.BatchNorm2d(channels);
  torch.noGrad(() => {
    bn.weight!.copy_(torch.rand([channels]).add(0.5));
    bn.bias!.copy_(torch.randn([channels]));
    bn.running_mean!.copy_(torch.randn([channels]));
    bn.running_var!.copy_(torch.rand([channels]).add(0.1));
  });
  return bn.eval();
}

for (const bias of [false, true]) {
  test(`a folded conv${bias ? " with bias" : ""} equals conv → BatchNorm in eval mode`, () => {
    torch.manualSeed(3);
    const conv = new nn.Conv2d(4, 6, 3, { padding: 1, bias, groups: 2 });
    const bn = trainedNorm(6);
    const x = torch.randn([2, 4, 7, 5]);
    const before = torch.noGrad(() => bn.forward(conv.forward(x)));
    nn.foldBatchNormIntoConv(conv, bn);
    const after = torch.noGrad(() => bn.forward(conv.forward(x)));
    assert.ok(torch.allclose(after, before, 1e-5, 1e-5));
    assert.ok(conv.bias !== null && conv.bias.requiresGrad, "the conv has a bias parameter");
    // The norm's own state is the identity, so the state dict works in an unfolded model too.
    const fresh = new nn.BatchNorm2d(6).eval();
    fresh.loadStateDict(bn.stateDict());
    const y = torch.randn([1, 6, 3, 3]);
    assert.ok(torch.allclose(torch.noGrad(() => fresh.forward(y)), y, 1e-6, 1e-6));
    assert.throws(() => nn.foldBatchNormIntoConv(conv, bn), /is already folded/);
    assert.throws(() => bn.train().forward(y), /folded into the convolution before it, it cannot train/);
    for (const m of [conv, bn, fresh]) m.dispose();
    for (const t of [x, y, before, after]) t.dispose();
  });
}

test("folding refuses norms that do not fit the conv", () => {
  const conv = new nn.Conv2d(3, 4, 1);
  assert.throws(() => nn.foldBatchNormIntoConv(conv, new nn.BatchNorm2d(5)), /does not match the 4 output channels/);
  assert.throws(() => nn.foldBatchNormIntoConv(conv, new nn.BatchNorm2d(4, { trackRunningStats: false })), /has no running statistics to fold/);
  assert.throws(() => nn.foldBatchNormIntoConv(new nn.ConvTranspose2d(3, 4, 2) as never, new nn.BatchNorm2d(4)), /expected a \(non-transposed\) convolution/);
  assert.throws(() => conv.setParameter("scale", null), /Conv2d: no parameter "scale" to replace/);
});
