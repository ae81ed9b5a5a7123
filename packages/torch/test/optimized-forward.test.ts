// PyTorch's optimized inference of a recording (torch.jit.freeze + torch.jit.optimize_for_inference,
// libtorch's own passes): it computes what the eager module computes, with the BatchNorms folded
// away; inputs of another shape are refused with the reason; dispose frees its module at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { nn, type Tensor } from "../src/index.js";
import { assertClose } from "./helpers.js";

torch.setNumThreads(1);

/** conv → BN → relu → conv → BN, plus the block's input, → relu → 1×1 conv: what ResNet-style decoders do. */
class ResidualNet extends nn.Module {
  readonly stem = this.registerModule("stem", new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU()));
  readonly body = this.registerModule("body", new nn.Sequential(new nn.Conv2d(8, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8)));
  readonly classifier = this.registerModule("classifier", new nn.Conv2d(8, 4, 1));

  constructor() {
    super();
    // Non-trivial running statistics, so that folding them is a real change.
    torch.noGrad(() => {
      for (const [key, t] of this.stateDict()) {
        if (key.endsWith("running_mean")) t.copy_(torch.randn(t.shape).mul(0.1));
        if (key.endsWith("running_var")) t.copy_(torch.rand(t.shape).add(0.5));
      }
    });
  }

  forward(x: Tensor): Tensor {
    const h = this.stem.call(x) as Tensor;
    return this.classifier.call((this.body.call(h) as Tensor).add(h).relu()) as Tensor;
  }
}

function optimizedNet(): { net: ResidualNet; optimized: torch.OptimizedForward } {
  torch.manualSeed(3);
  const net = new ResidualNet().train(false);
  const recording = torch.recordForward(net, [torch.randn([1, 3, 16, 20])]);
  try {
    return { net, optimized: recording.optimizeForInference() };
  } finally {
    recording.dispose();
  }
}

test("the optimized forward equals the eager module within 1e-4, with no BatchNorm left in its graph", () => {
  const { net, optimized } = optimizedNet();
  torch.tidy(() => {
    const x = torch.randn([1, 3, 16, 20]);
    const expected = torch.noGrad(() => net.call(x) as Tensor);
    const [got] = torch.inferenceMode(() => optimized.run([x]));
    assertClose(got, expected, { rtol: 0, atol: 1e-4 }, "optimized vs eager");
  });
  assert.doesNotMatch(optimized.graphText, /aten::batch_norm/);
  assert.match(optimized.graphText, /conv/);
  assert.deepEqual(optimized.inputs, [{ shape: [1, 3, 16, 20], dtype: "float32" }]);
  optimized.dispose();
  net.dispose();
});

test("inputs of another shape, rank, dtype or count are refused naming the recorded shape", () => {
  const { net, optimized } = optimizedNet();
  torch.tidy(() => {
    assert.throws(() => optimized.run([torch.randn([1, 4, 16, 20])]), /input 0 must be float32 \[1, 3, 16, 20\].*got float32 \[1, 4, 16, 20\]/);
    assert.throws(() => optimized.run([torch.randn([3, 16, 20])]), /input 0 must be float32 \[1, 3, 16, 20\].*got float32 \[3, 16, 20\]/);
    assert.throws(() => optimized.run([torch.randn([1, 3, 16, 20]).to("float64")]), /got float64 \[1, 3, 16, 20\]/);
    assert.throws(() => optimized.run([]), /takes 1 inputs, got 0/);
    // Still usable after the refusals.
    assert.deepEqual(optimized.run([torch.randn([1, 3, 16, 20])])[0].shape, [1, 4, 16, 20]);
  });
  optimized.dispose();
  assert.throws(() => optimized.run([torch.randn([1, 3, 16, 20])]), /OptimizedForward\.run: it has been disposed/);
  net.dispose();
});

test("dispose frees the optimized module's weights at once: optimizing 30 times does not grow memory", () => {
  // 4 MiB of convolution weight, copied (folded) by every optimization: 30 leaked copies are 120 MiB or more.
  torch.manualSeed(4);
  const net = new nn.Sequential(new nn.Conv2d(256, 256, 4), new nn.BatchNorm2d(256)).train(false);
  const x = torch.randn([1, 256, 4, 4]);
  const cycle = (): void => {
    const recording = torch.recordForward(net, [x]);
    const optimized = recording.optimizeForInference();
    recording.dispose();
    torch.tidy(() => void torch.inferenceMode(() => optimized.run([x])));
    optimized.dispose();
  };
  for (let i = 0; i < 3; i++) cycle();
  const before = process.memoryUsage().rss;
  const liveBefore = torch.liveTensors();
  for (let i = 0; i < 30; i++) cycle();
  const grown = (process.memoryUsage().rss - before) / 2 ** 20;
  assert.equal(torch.liveTensors(), liveBefore);
  assert.ok(grown < 40, `resident memory grew by ${grown.toFixed(1)} MiB over 30 optimizations`);
  x.dispose();
  net.dispose();
});
