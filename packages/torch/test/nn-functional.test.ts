// nn.functional against PyTorch goldens (test/fixtures/nn_make_functional_golden.py; float64, 1e-5
// relative): output and input gradient; the random functions by their statistics; argument errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { nn } from "../src/index.js";
import { assertClose } from "./helpers.js";
import { golden } from "./nn-golden.js";

const F = nn.functional;
type Call = (x: torch.Tensor, g: (name: string) => torch.Tensor) => torch.Tensor;

const CASES: Record<string, Call> = {
  interpolate_nearest_exact: (x) => F.interpolate(x, { scaleFactor: 1.6, mode: "nearest-exact" }),
  interpolate_bicubic: (x) => F.interpolate(x, { size: [5, 6], mode: "bicubic", alignCorners: false }),
  interpolate_bicubic_align: (x) => F.interpolate(x, { scaleFactor: 2, mode: "bicubic", alignCorners: true }),
  interpolate_area: (x) => F.interpolate(x, { size: [4, 3], mode: "area" }),
  interpolate_area_scale: (x) => F.interpolate(x, { scaleFactor: 0.5, mode: "area" }),
  interpolate_linear: (x) => F.interpolate(x, { size: 8, mode: "linear", alignCorners: false }),
  interpolate_trilinear: (x) => F.interpolate(x, { scaleFactor: [2, 1.5, 1], mode: "trilinear", alignCorners: true }),
  interpolate_bilinear_recompute: (x) => F.interpolate(x, { scaleFactor: 1.5, mode: "bilinear", alignCorners: false, recomputeScaleFactor: true }),
  pad_constant: (x) => F.pad(x, [1, 2, 0, 1], "constant", 0.5),
  pad_reflect: (x) => F.pad(x, [2, 1, 1, 2], "reflect"),
  pad_replicate: (x) => F.pad(x, [2, 1, 1, 2], "replicate"),
  pad_circular: (x) => F.pad(x, [2, 1, 1, 2], "circular"),
  softmax: (x) => F.softmax(x, 1),
  log_softmax: (x) => F.logSoftmax(x, -1),
  normalize: (x) => F.normalize(x, { dim: 1 }),
  normalize_p1: (x) => F.normalize(x, { p: 1, dim: 2 }),
  unfold: (x) => F.unfold(x, [2, 3], { padding: 1, stride: [1, 2] }),
  fold: (x) => F.fold(x, [3, 4], 2, { stride: 1 }),
  grid_sample_bilinear: (x, g) => F.gridSample(x, g("grid"), { alignCorners: false }),
  grid_sample_nearest_border: (x, g) => F.gridSample(x, g("grid"), { mode: "nearest", paddingMode: "border", alignCorners: true }),
  grid_sample_bicubic_reflection: (x, g) => F.gridSample(x, g("grid"), { mode: "bicubic", paddingMode: "reflection", alignCorners: false }),
  affine_grid: (x) => F.affineGrid(x, [2, 1, 3, 4], false),
  pixel_shuffle: (x) => F.pixelShuffle(x, 2),
  batch_norm_eval: (x, g) => F.batchNorm(x, g("mean"), g("var"), { weight: g("weight"), eps: 1e-3 }),
  instance_norm: (x, g) => F.instanceNorm(x, { bias: g("bias") }),
};

function get(name: string): torch.Tensor {
  const t = golden("nn_functional.safetensors").get(name);
  assert.ok(t, `nn_functional.safetensors has ${name}`);
  return t;
}

for (const [name, call] of Object.entries(CASES)) {
  test(`${name} matches PyTorch`, () => torch.tidy(() => {
    const x = get(`${name}.x`).clone();
    x.requiresGrad = true;
    const y = call(x, (k) => get(`${name}.${k}`));
    assertClose(y, get(`${name}.y`), { rtol: 1e-5, atol: 1e-12 }, `${name}: output`);
    y.backward(get(`${name}.gy`));
    assertClose(x.grad!, get(`${name}.gx`), { rtol: 1e-5, atol: 1e-12 }, `${name}: input grad`);
  }));
}

test("oneHot matches PyTorch and rejects float labels", () => torch.tidy(() => {
  assert.deepEqual(F.oneHot(get("one_hot.labels"), 5).toArray(), get("one_hot.y").toArray());
  assert.throws(() => F.oneHot(torch.zeros([3]), 5), /oneHot: expected integer labels, got float32/);
}));

test("dropout, dropout2d and dropPath zero the right units with probability p and rescale", () => torch.tidy(() => {
  torch.manualSeed(3);
  const x = torch.ones([400, 50, 2, 2]);
  const fraction = (t: torch.Tensor): number => t.ne(0).to("float32").mean().item();
  assert.ok(Math.abs(fraction(F.dropout(x, 0.25)) - 0.75) < 0.01);
  assert.equal(F.dropout(x, 0.25, false).sum().item(), x.numel());
  // dropout2d: each (sample, channel) plane is all kept or all zero.
  const channels = F.dropout2d(x, 0.4).flatten(2).sum([2]);
  assert.ok(channels.toArray().every((v) => v === 0 || Math.abs(v - 4 / 0.6) < 1e-5));
  assert.ok(Math.abs(fraction(channels) - 0.6) < 0.02);
  // dropPath: each sample is all kept (scaled by 1/(1-p)) or all zero; identity outside training.
  const samples = F.dropPath(x, 0.3, true).flatten(1).sum([1]);
  assert.ok(samples.toArray().every((v) => v === 0 || Math.abs(v - 200 / 0.7) < 1e-3));
  assert.ok(Math.abs(fraction(samples) - 0.7) < 0.08);
  assert.equal(F.dropPath(x, 0.3, false), x);
  const drop = new nn.DropPath(0.3).eval();
  assert.equal(drop.forward(x), x);
}));

test("argument errors name the function and the problem", () => torch.tidy(() => {
  const x = torch.zeros([1, 2, 4, 4]);
  assert.throws(() => F.interpolate(x, {}), /give exactly one of size and scaleFactor/);
  assert.throws(() => F.interpolate(x, { size: 3, scaleFactor: 2 }), /give exactly one of size and scaleFactor/);
  assert.throws(() => F.interpolate(x, { size: [3, 3, 3] }), /size \[3,3,3\] does not match the 2 spatial dimensions/);
  assert.throws(() => F.interpolate(x, { size: 3, mode: "linear" }), /mode "linear" needs input of 3 dimensions/);
  assert.throws(() => F.interpolate(x, { size: 3, mode: "nearest", alignCorners: true }), /alignCorners only applies to linear/);
  assert.throws(() => F.interpolate(x, { size: 3, mode: "cubic" as nn.functional.InterpolateMode }), /unknown mode "cubic"/);
  assert.throws(() => F.interpolate(torch.zeros([4, 4]), { size: 3 }), /expected input of 3 to 5 dimensions/);
  assert.throws(() => F.pad(x, [1, 2, 3]), /pad: expected pairs of paddings/);
  assert.throws(() => F.gridSample(x, torch.zeros([1, 3, 3, 3])), /gridSample: grid \[1,3,3,3\] does not fit input \[1,2,4,4\]/);
  assert.throws(() => F.gridSample(x, torch.zeros([1, 3, 3, 2]), { mode: "area" as "nearest" }), /unknown mode "area"/);
  assert.throws(() => F.unfold(torch.zeros([2, 4, 4]), 2), /unfold: expected input of shape \(N, C, H, W\)/);
}));
