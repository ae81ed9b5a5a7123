// Core layers against PyTorch goldens (float64, 1e-5 relative): forward, input gradient, parameter
// gradients, running statistics after the call (train and eval mode for norms).
import { test } from "node:test";
import { nn } from "../src/index.js";
import { checkAgainstGolden, type GoldenCase } from "./nn-golden.js";

const CASES: Record<string, GoldenCase> = {
  conv2d: { build: () => new nn.Conv2d(3, 4, 3, { padding: 1 }), train: true },
  conv2d_strided_dilated: { build: () => new nn.Conv2d(3, 4, [3, 2], { stride: 2, padding: [2, 1], dilation: 2 }), train: true },
  conv2d_groups_nobias: { build: () => new nn.Conv2d(4, 6, 3, { groups: 2, bias: false }), train: true },
  conv2d_reflect: { build: () => new nn.Conv2d(2, 3, 3, { padding: 1, paddingMode: "reflect" }), train: true },
  conv2d_replicate: { build: () => new nn.Conv2d(2, 3, 3, { padding: 2, paddingMode: "replicate" }), train: true },
  conv2d_circular: { build: () => new nn.Conv2d(2, 3, 3, { padding: 1, paddingMode: "circular" }), train: true },
  conv2d_same_even: { build: () => new nn.Conv2d(2, 3, 4, { padding: "same" }), train: true },
  batchnorm2d_train: { build: () => new nn.BatchNorm2d(3), train: true },
  batchnorm2d_eval: { build: () => new nn.BatchNorm2d(3), train: false },
  batchnorm2d_cumulative: { build: () => new nn.BatchNorm2d(3, { momentum: null, eps: 1e-3 }), train: true },
  batchnorm2d_noaffine: { build: () => new nn.BatchNorm2d(3, { affine: false }), train: true },
  batchnorm2d_untracked_eval: { build: () => new nn.BatchNorm2d(3, { trackRunningStats: false }), train: false },
  relu: { build: () => new nn.ReLU(), train: true },
  maxpool2d: { build: () => new nn.MaxPool2d(2), train: true },
  maxpool2d_padded_ceil: { build: () => new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), train: true },
  linear: { build: () => new nn.Linear(5, 3), train: true },
  linear_nobias: { build: () => new nn.Linear(5, 3, { bias: false }), train: true },
};

for (const [name, c] of Object.entries(CASES)) {
  test(`${name} matches PyTorch`, () => checkAgainstGolden("nn_layers.safetensors", name, c));
}
