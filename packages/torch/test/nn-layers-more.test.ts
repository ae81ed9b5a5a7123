// The rest of the layers against PyTorch goldens (float64, 1e-5 relative): forward, input gradient,
// parameter gradients, running statistics after the call (train and eval mode for norms).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { nn } from "../src/index.js";
import { Call, checkAgainstGolden, type GoldenCase } from "./nn-golden.js";

function unpoolAfterPool(m: nn.MaxUnpool2d, x: torch.Tensor): torch.Tensor {
  const [values, indices] = torch.maxPool2dWithIndices(x, 2);
  return m.forward(values, indices, x.shape.slice(-2));
}

function paddingMask(): torch.Tensor {
  return torch.tensor([[false, false, false, false, false], [false, false, false, true, true]]);
}

function causalMask(): torch.Tensor {
  return torch.ones([5, 5], { dtype: "bool" }).triu(1);
}

const attention = (m: nn.MultiheadAttention, options: nn.AttentionCallOptions = {}) => (x: torch.Tensor) => m.forward(x, x, x, options)[0];

const CASES: Record<string, GoldenCase> = {
  conv1d: { build: () => new nn.Conv1d(3, 4, 3, { stride: 2, padding: 1 }), train: true },
  conv1d_reflect: { build: () => new nn.Conv1d(2, 2, 3, { padding: 1, paddingMode: "reflect" }), train: true },
  conv3d: { build: () => new nn.Conv3d(2, 2, 3, { padding: 1 }), train: true },
  conv_transpose2d: { build: () => new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }), train: true },
  conv_transpose2d_groups_dilation: { build: () => new nn.ConvTranspose2d(2, 4, 3, { groups: 2, dilation: 2, bias: false }), train: true },
  conv_transpose2d_output_size: { build: () => new Call(new nn.ConvTranspose2d(2, 2, 2, { stride: 2 }), (m, x) => m.forward(x, [7, 9])), train: true },
  conv_transpose3d: { build: () => new nn.ConvTranspose3d(2, 1, 2, { stride: 2 }), train: true },
  batchnorm1d_2d_input: { build: () => new nn.BatchNorm1d(4), train: true },
  batchnorm1d_3d_input: { build: () => new nn.BatchNorm1d(3, { momentum: 0.3 }), train: true },
  batchnorm3d_train: { build: () => new nn.BatchNorm3d(2), train: true },
  batchnorm3d_eval: { build: () => new nn.BatchNorm3d(2), train: false },
  groupnorm: { build: () => new nn.GroupNorm(2, 4), train: true },
  groupnorm_noaffine: { build: () => new nn.GroupNorm(1, 3, { affine: false, eps: 1e-3 }), train: true },
  layernorm: { build: () => new nn.LayerNorm(6), train: true },
  layernorm_2d_shape: { build: () => new nn.LayerNorm([3, 4], { elementwiseAffine: false }), train: true },
  instancenorm2d: { build: () => new nn.InstanceNorm2d(3), train: true },
  instancenorm2d_affine_tracked_train: { build: () => new nn.InstanceNorm2d(3, { affine: true, trackRunningStats: true }), train: true },
  instancenorm2d_tracked_eval: { build: () => new nn.InstanceNorm2d(3, { trackRunningStats: true }), train: false },
  instancenorm2d_unbatched: { build: () => new nn.InstanceNorm2d(3, { affine: true }), train: true },
  relu6: { build: () => new nn.ReLU6(), train: true },
  leaky_relu: { build: () => new nn.LeakyReLU(0.2), train: true },
  prelu: { build: () => new nn.PReLU(), train: true },
  prelu_per_channel: { build: () => new nn.PReLU({ numParameters: 3, init: 0.1 }), train: true },
  elu: { build: () => new nn.ELU(0.5), train: true },
  gelu: { build: () => new nn.GELU(), train: true },
  gelu_tanh: { build: () => new nn.GELU("tanh"), train: true },
  silu: { build: () => new nn.SiLU(), train: true },
  hardswish: { build: () => new nn.Hardswish(), train: true },
  hardsigmoid: { build: () => new nn.Hardsigmoid(), train: true },
  sigmoid: { build: () => new nn.Sigmoid(), train: true },
  tanh: { build: () => new nn.Tanh(), train: true },
  softmax: { build: () => new nn.Softmax(1), train: true },
  identity: { build: () => new nn.Identity(), train: true },
  max_unpool2d: { build: () => new Call(new nn.MaxUnpool2d(2), unpoolAfterPool), train: true },
  avgpool2d: { build: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), train: true },
  avgpool2d_ceil: { build: () => new nn.AvgPool2d(2, { ceilMode: true }), train: true },
  adaptive_avgpool2d: { build: () => new nn.AdaptiveAvgPool2d([3, null]), train: true },
  adaptive_avgpool2d_1: { build: () => new nn.AdaptiveAvgPool2d(1), train: true },
  adaptive_maxpool2d: { build: () => new nn.AdaptiveMaxPool2d(3), train: true },
  upsample_nearest: { build: () => new nn.Upsample({ scaleFactor: 2 }), train: true },
  upsample_nearest_fractional: { build: () => new nn.Upsample({ scaleFactor: 1.7 }), train: true },
  upsample_nearest_size: { build: () => new nn.Upsample({ size: [5, 7] }), train: true },
  upsample_bilinear: { build: () => new nn.Upsample({ size: [5, 7], mode: "bilinear", alignCorners: false }), train: true },
  upsample_bilinear_align: { build: () => new nn.Upsample({ scaleFactor: 2, mode: "bilinear", alignCorners: true }), train: true },
  upsample_bilinear_fractional: { build: () => new nn.Upsample({ scaleFactor: 1.5, mode: "bilinear", alignCorners: false }), train: true },
  pixel_shuffle: { build: () => new nn.PixelShuffle(2), train: true },
  pixel_unshuffle: { build: () => new nn.PixelUnshuffle(2), train: true },
  multihead_attention: { build: () => new Call(new nn.MultiheadAttention(4, 2), (m, x) => attention(m)(x)), train: true },
  multihead_attention_batch_first_masks: {
    build: () => new Call(new nn.MultiheadAttention(4, 2, { batchFirst: true }),
      (m, x) => attention(m, { keyPaddingMask: paddingMask(), attnMask: causalMask() })(x)),
    train: true,
  },
  multihead_attention_weights: {
    build: () => new Call(new nn.MultiheadAttention(6, 3, { bias: false }), (m, x) => m.forward(x, x, x, { averageAttnWeights: false })[1]!),
    train: true,
  },
  embedding: { build: () => new nn.Embedding(5, 3, { paddingIdx: 1 }), train: true },
};

for (const [name, c] of Object.entries(CASES)) {
  test(`${name} matches PyTorch`, () => checkAgainstGolden("nn_layers_more.safetensors", name, c));
}

test("MultiheadAttention: unbatched input and needWeights false give the batched result", () => {
  const mha = new nn.MultiheadAttention(4, 2).eval();
  torch.tidy(() => {
    const x = torch.randn([3, 4]);
    const [batched, weights] = mha.forward(x.unsqueeze(1), x.unsqueeze(1), x.unsqueeze(1));
    const [single, singleWeights] = mha.forward(x, x, x);
    assert.deepEqual([single.shape, singleWeights!.shape, weights!.shape], [[3, 4], [3, 3], [1, 3, 3]]);
    assert.ok(single.sub(batched.squeeze(1)).abs().max().item() < 1e-6);
    const [output, none] = mha.forward(x, x, x, { needWeights: false });
    assert.equal(none, null);
    assert.ok(output.sub(single).abs().max().item() < 1e-6);
  });
  mha.dispose();
});

test("ReLU and ReLU6 in place give the out-of-place values and gradients, overwriting their input", () => {
  for (const [Layer, name] of [[nn.ReLU, "ReLU"], [nn.ReLU6, "ReLU6"]] as const) {
    torch.tidy(() => {
      const x = torch.randn([2, 3, 4]).mul(4).requiresGrad_();
      const [inplace, plain] = [new Layer({ inplace: true }), new Layer()];
      const h = x.mul(1);
      const y = inplace.forward(h);
      assert.ok(torch.equal(h, y), `${name}: the input holds the result`);
      y.square().sum().backward();
      const gradInplace = x.grad!.clone();
      x.grad = null;
      const z = plain.forward(x.mul(1));
      z.square().sum().backward();
      assert.ok(torch.equal(y, z), `${name}: same values`);
      assert.ok(torch.equal(gradInplace, x.grad!), `${name}: same gradients`);
      assert.equal(inplace.toString(), `${name}(inplace=True)`);
    });
  }
});
