// Bad input to layers: wrong shapes, dtypes, indices and constructor arguments give errors that name
// the layer (as describe() shows it) and what it expected.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { nn } from "../src/index.js";

test("wrong shapes and dtypes name the layer and the expected shape", () => {
  const conv = new nn.Conv2d(3, 16, 3);
  const bn = new nn.BatchNorm2d(4);
  const linear = new nn.Linear(5, 2);
  torch.tidy(() => {
    assert.throws(() => conv.forward(torch.zeros([2, 4, 8, 8])),
      { message: "Conv2d(3, 16, kernel_size=3): expected input of shape (N, 3, H, W) or (3, H, W), got [2, 4, 8, 8]" });
    assert.throws(() => conv.forward(torch.zeros([2, 3, 8, 8], { dtype: "int64" })), { message: "Conv2d(3, 16, kernel_size=3): expected input of dtype float32, got int64" });
    assert.throws(() => bn.forward(torch.zeros([2, 3, 8, 8])), /BatchNorm2d\(4, .*\): expected input of shape \(N, 4, H, W\), got \[2, 3, 8, 8\]/);
    assert.throws(() => linear.forward(torch.zeros([2, 4])), /Linear\(in_features=5, .*\): expected input of shape \(\.\.\., 5\), got \[2, 4\]/);
    assert.throws(() => new nn.MaxPool2d(2).forward(torch.zeros([8, 8])), /MaxPool2d\(.*\): expected input of shape \(N, C, H, W\) or \(C, H, W\), got \[8, 8\]/);
    assert.throws(() => conv.forward(null as unknown as torch.Tensor), /expected a Tensor input, got null/);
  });
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /divisible by groups/);
  assert.throws(() => new nn.Conv2d(3, 4, 3, { stride: 2, padding: "same" }), /"same" needs stride 1/);
  assert.throws(() => new nn.Conv2d(3, 4, [3, 3, 3]), /kernelSize: expected a non-negative integer or 2 of them/);
  conv.dispose();
  bn.dispose();
  linear.dispose();
});

test("the other layers check their inputs too", () => {
  const layers = {
    gn: new nn.GroupNorm(2, 4), ln: new nn.LayerNorm([3, 4]), inorm: new nn.InstanceNorm2d(3, { affine: true }),
    emb: new nn.Embedding(5, 3), mha: new nn.MultiheadAttention(4, 2), conv1: new nn.Conv1d(2, 3, 3),
    convT: new nn.ConvTranspose2d(2, 3, 2, { stride: 2 }), bn1: new nn.BatchNorm1d(3), prelu: new nn.PReLU({ numParameters: 3 }),
  };
  torch.tidy(() => {
    assert.throws(() => layers.gn.forward(torch.zeros([2, 3, 5, 5])), /GroupNorm\(2, 4, .*\): expected input of shape \(N, 4, d1, d2\), got \[2, 3, 5, 5\]/);
    assert.throws(() => layers.ln.forward(torch.zeros([2, 4, 3])), /LayerNorm\(\[3, 4\], .*\): expected input of shape \(\.\.\., 3, 4\), got \[2, 4, 3\]/);
    assert.throws(() => layers.inorm.forward(torch.zeros([2, 4, 5, 5])), /InstanceNorm2d\(3, .*\): expected input of shape \(N, 3, H, W\) or \(3, H, W\)/);
    assert.throws(() => layers.emb.forward(torch.tensor([0, 5])), /Embedding\(5, 3\): indices must be in \[0, 5\), got values from 0 to 5/);
    assert.throws(() => layers.emb.forward(torch.tensor([-1, 2])), /indices must be in \[0, 5\), got values from -1 to 2/);
    assert.throws(() => layers.emb.forward(torch.zeros([2])), /Embedding\(5, 3\): expected integer indices \(int64 or int32\), got float32/);
    assert.throws(() => layers.mha.forward(torch.zeros([3, 2, 5]), torch.zeros([3, 2, 5]), torch.zeros([3, 2, 5])),
      /MultiheadAttention\(embed_dim=4, num_heads=2\): expected query of shape \(L, N, 4\) or \(L, 4\), got \[3, 2, 5\]/);
    assert.throws(() => layers.mha.forward(torch.zeros([3, 2, 4]), torch.zeros([6, 3, 4]), torch.zeros([6, 3, 4])),
      /expected key of shape \(S, 2, 4\), got \[6, 3, 4\]/);
    assert.throws(() => layers.mha.forward(torch.zeros([3, 2, 4]), torch.zeros([6, 2, 4]), torch.zeros([5, 2, 4])),
      /expected value of shape \(6, 2, 4\), got \[5, 2, 4\]/);
    assert.throws(() => layers.mha.forward(torch.zeros([3, 2, 4]), torch.zeros([6, 2, 4]), torch.zeros([6, 2, 4]), { keyPaddingMask: torch.zeros([2, 5], { dtype: "bool" }) }),
      /expected keyPaddingMask of shape \(2, 6\), got \[2, 5\]/);
    assert.throws(() => layers.conv1.forward(torch.zeros([2, 3, 8])), /Conv1d\(2, 3, kernel_size=3\): expected input of shape \(N, 2, L\) or \(2, L\)/);
    assert.throws(() => layers.convT.forward(torch.zeros([1, 2, 3, 3]), [9, 9]), /ConvTranspose2d\(.*\): outputSize \[9,9\] is not reachable from input \[1,2,3,3\]/);
    assert.throws(() => layers.bn1.forward(torch.zeros([1, 3])), /BatchNorm1d\(3, .*\): expected more than 1 value per channel when training, got input of shape \[1, 3\]/);
    assert.equal(layers.bn1.eval().forward(torch.zeros([1, 3])).shape.join(), "1,3");
    assert.throws(() => layers.bn1.forward(torch.zeros([2, 3, 4, 4])), /BatchNorm1d\(3, .*\): expected input of shape \(N, 3\) or \(N, 3, L\), got \[2, 3, 4, 4\]/);
    assert.throws(() => layers.prelu.forward(torch.zeros([2, 4, 5])), /PReLU\(num_parameters=3\): expected input of shape \(N, 3, \.\.\.\)/);
    assert.throws(() => new nn.PixelShuffle(2).forward(torch.zeros([1, 6, 2, 2])), /PixelShuffle\(upscale_factor=2\): expected input of shape \(N, C·4, H, W\)/);
    assert.throws(() => new nn.PixelUnshuffle(2).forward(torch.zeros([1, 1, 3, 4])), /PixelUnshuffle\(downscale_factor=2\): expected input of shape \(N, C, H·2, W·2\)/);
    assert.throws(() => new nn.Upsample({ scaleFactor: 2 }).forward(torch.zeros([4, 4])), /Upsample\(scale_factor=2, mode='nearest'\): expected input with at least 3 dimensions/);
    assert.throws(() => new nn.MaxUnpool2d(2).forward(torch.zeros([1, 1, 2, 2]), torch.zeros([1, 1, 2, 2])), /MaxUnpool2d\(.*\): expected indices of dtype int64, got float32/);
    assert.throws(() => new nn.Dropout2d().forward(torch.zeros([4, 4])), /Dropout2d\(p=0.5\): expected input with at least 3 dimensions/);
  });
  assert.throws(() => new nn.GroupNorm(3, 4), /numChannels \(4\) must be divisible by numGroups \(3\)/);
  assert.throws(() => new nn.MultiheadAttention(6, 4), /embedDim \(6\) must be divisible by numHeads \(4\)/);
  assert.throws(() => new nn.Embedding(5, 3, { paddingIdx: 5 }), /paddingIdx 5 is outside \[-5, 5\)/);
  assert.throws(() => new nn.Dropout(1.5), /Dropout: p must be in \[0, 1\], got 1.5/);
  assert.throws(() => new nn.Conv2d(2, 2, 3, { paddingMode: "mirror" as nn.PaddingMode }), /paddingMode must be one of zeros, reflect, replicate, circular/);
  for (const layer of Object.values(layers)) layer.dispose();
});
