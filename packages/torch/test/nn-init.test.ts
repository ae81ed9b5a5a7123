// nn.init: sample statistics (mean, std, bounds) against PyTorch's formulas, with tolerances from the
// sample sizes (≥ 10⁵ draws: the std estimate is within about 0.5%, the mean within a few σ/√n).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { nn } from "../src/index.js";

const init = nn.init;

function stats(t: torch.Tensor): { mean: number; std: number; min: number; max: number; n: number } {
  return torch.tidy(() => ({
    mean: t.mean().item(), std: t.std().item(), min: t.min().item(), max: t.max().item(), n: t.numel(),
  }));
}

function assertNear(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);
}

/** Mean within 5 standard errors of `mean`, std within 2% of `std`. */
function assertMoments(t: torch.Tensor, mean: number, std: number, what: string): void {
  const s = stats(t);
  assertNear(s.mean, mean, (5 * std) / Math.sqrt(s.n), `${what} mean`);
  assertNear(s.std, std, 0.02 * std, `${what} std`);
}

test("calculateGain has PyTorch's values", () => {
  assert.equal(init.calculateGain("linear"), 1);
  assert.equal(init.calculateGain("conv2d"), 1);
  assert.equal(init.calculateGain("sigmoid"), 1);
  assert.equal(init.calculateGain("tanh"), 5 / 3);
  assert.equal(init.calculateGain("relu"), Math.SQRT2);
  assert.equal(init.calculateGain("leaky_relu"), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.equal(init.calculateGain("leaky_relu", 0.2), Math.sqrt(2 / 1.04));
  assert.equal(init.calculateGain("selu"), 0.75);
  assert.throws(() => init.calculateGain("swish" as nn.init.Nonlinearity), /unknown nonlinearity "swish"/);
});

test("fans: fan_in = shape[1]·receptive field, fan_out = shape[0]·receptive field", () => torch.tidy(() => {
  assert.deepEqual(init.calculateFanInAndFanOut(torch.empty([16, 8, 3, 5])), { fanIn: 120, fanOut: 240 });
  assert.deepEqual(init.calculateFanInAndFanOut(torch.empty([10, 4])), { fanIn: 4, fanOut: 10 });
  assert.throws(() => init.calculateFanInAndFanOut(torch.empty([7])), /at least 2 dimensions, got \[7\]/);
}));

test("kaimingUniform: U(±gain·√(3/fan)) for each fan mode and nonlinearity", () => torch.tidy(() => {
  torch.manualSeed(1);
  const cases: [nn.init.KaimingOptions, number][] = [
    [{}, Math.SQRT2 / Math.sqrt(64 * 9)],
    [{ mode: "fan_out", nonlinearity: "relu" }, Math.SQRT2 / Math.sqrt(128 * 9)],
    [{ a: Math.sqrt(5) }, Math.sqrt(2 / 6) / Math.sqrt(64 * 9)],
    [{ nonlinearity: "tanh" }, 5 / 3 / Math.sqrt(64 * 9)],
  ];
  for (const [options, std] of cases) {
    const w = init.kaimingUniform(torch.empty([128, 64, 3, 3]), options);
    const bound = Math.sqrt(3) * std;
    const s = stats(w);
    assert.ok(s.min >= -bound && s.max <= bound, `${JSON.stringify(options)}: within ±${bound}`);
    assert.ok(s.max > 0.99 * bound && s.min < -0.99 * bound, `${JSON.stringify(options)}: reaches the bounds`);
    assertMoments(w, 0, std, `kaimingUniform ${JSON.stringify(options)}`);
  }
}));

test("kaimingNormal: N(0, gain²/fan)", () => torch.tidy(() => {
  torch.manualSeed(2);
  assertMoments(init.kaimingNormal(torch.empty([128, 64, 3, 3]), { mode: "fan_out", nonlinearity: "relu" }), 0, Math.SQRT2 / Math.sqrt(128 * 9), "fan_out relu");
  assertMoments(init.kaimingNormal(torch.empty([256, 512])), 0, Math.SQRT2 / Math.sqrt(512), "fan_in default");
}));

test("xavierUniform and xavierNormal: std = gain·√(2/(fan_in + fan_out))", () => torch.tidy(() => {
  torch.manualSeed(3);
  const std = 2 * Math.sqrt(2 / (300 + 500));
  const u = init.xavierUniform(torch.empty([500, 300]), 2);
  const s = stats(u);
  assert.ok(s.max <= Math.sqrt(3) * std && s.min >= -Math.sqrt(3) * std);
  assertMoments(u, 0, std, "xavierUniform");
  assertMoments(init.xavierNormal(torch.empty([500, 300]), 2), 0, std, "xavierNormal");
}));

// Mean and std of N(mean, std²) truncated to [a, b].
function truncatedMoments(mean: number, std: number, a: number, b: number): { mean: number; std: number } {
  const pdf = (x: number): number => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
  const cdf = (x: number): number => torch.tidy(() => (1 + torch.tensor(x / Math.SQRT2, { dtype: "float64" }).erf().item()) / 2);
  const alpha = (a - mean) / std;
  const beta = (b - mean) / std;
  const z = cdf(beta) - cdf(alpha);
  const shift = (pdf(alpha) - pdf(beta)) / z;
  const variance = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - shift * shift;
  return { mean: mean + std * shift, std: std * Math.sqrt(variance) };
}

test("truncNormal: within [a, b] with the truncated normal's mean and std", () => torch.tidy(() => {
  torch.manualSeed(4);
  for (const options of [{ std: 0.02 }, { mean: 0.5, std: 2, a: -1, b: 3 }, {}]) {
    const { mean = 0, std = 1 } = options;
    const a = options.a ?? -2;
    const b = options.b ?? 2;
    const t = init.truncNormal(torch.empty([400, 500]), options);
    const s = stats(t);
    assert.ok(s.min >= a && s.max <= b, `${JSON.stringify(options)}: within [${a}, ${b}]`);
    const expected = truncatedMoments(mean, std, a, b);
    assertMoments(t, expected.mean, expected.std, `truncNormal ${JSON.stringify(options)}`);
  }
}));

test("orthogonal: rows (or columns) orthonormal, scaled by gain", () => torch.tidy(() => {
  torch.manualSeed(5);
  for (const shape of [[6, 10], [10, 6], [4, 2, 3, 3]]) {
    const w = init.orthogonal(torch.empty(shape, { dtype: "float64" }), 1.5).reshape([shape[0], -1]);
    const wide = w.shape[0] <= w.shape[1];
    const gram = wide ? w.matmul(w.t()) : w.t().matmul(w);
    const n = gram.shape[0];
    const error = gram.sub(torch.eye(n, { dtype: "float64" }).mul(2.25)).abs().max().item();
    assert.ok(error < 1e-10, `[${shape}]: |WWᵀ - 2.25 I| = ${error}`);
  }
  assert.throws(() => init.orthogonal(torch.empty([5])), /orthogonal: expected a tensor of at least 2 dimensions/);
}));

test("constant, zeros, ones, uniform, normal fill in place, also on parameters", () => {
  const linear = new nn.Linear(20, 30);
  assert.equal(init.constant(linear.weight, 0.3), linear.weight);
  assert.ok(linear.weight.toArray().every((v) => Math.abs(v - 0.3) < 1e-7));
  init.zeros(linear.bias!);
  assert.ok(linear.bias!.toArray().every((v) => v === 0));
  init.ones(linear.weight);
  assert.ok(linear.weight.toArray().every((v) => v === 1));
  init.uniform(linear.weight, 2, 3);
  assert.ok(linear.weight.toArray().every((v) => v >= 2 && v <= 3));
  torch.tidy(() => {
    const t = init.normal(torch.empty([200000]), 1, 0.5);
    assertMoments(t, 1, 0.5, "normal");
  });
  assert.equal(linear.weight.requiresGrad, true);
  linear.dispose();
});

test("layers initialise like PyTorch's reset_parameters", () => {
  torch.manualSeed(6);
  const within = (t: torch.Tensor, bound: number, what: string): void => {
    const s = stats(t);
    assert.ok(s.min >= -bound && s.max <= bound && s.max > 0.9 * bound, `${what}: U(±${bound}), got [${s.min}, ${s.max}]`);
  };
  const linear = new nn.Linear(400, 300);
  within(linear.weight, 1 / Math.sqrt(400), "Linear weight");
  within(linear.bias!, 1 / Math.sqrt(400), "Linear bias");
  // ConvTranspose weights are (in, out/groups, k, k): PyTorch's fan_in is out/groups · k².
  const up = new nn.ConvTranspose2d(64, 32, 4, { groups: 2 });
  within(up.weight, 1 / Math.sqrt(16 * 16), "ConvTranspose2d weight");
  within(up.bias!, 1 / Math.sqrt(16 * 16), "ConvTranspose2d bias");
  const embedding = new nn.Embedding(1000, 100, { paddingIdx: -1 });
  assert.equal(embedding.paddingIdx, 999);
  torch.tidy(() => {
    assertMoments(embedding.weight.narrow(0, 0, 999), 0, 1, "Embedding weight");
    assert.equal(embedding.weight.select(0, 999).abs().sum().item(), 0);
  });
  const mha = new nn.MultiheadAttention(64, 4);
  within(mha.in_proj_weight, Math.sqrt(6 / (64 + 192)), "MultiheadAttention in_proj_weight");
  assert.ok(mha.in_proj_bias!.toArray().every((v) => v === 0) && mha.out_proj.bias!.toArray().every((v) => v === 0));
  within(mha.out_proj.weight, 1 / Math.sqrt(64), "MultiheadAttention out_proj.weight");
  assert.deepEqual(new nn.PReLU().weight.toArray(), [0.25]);
  const gn = new nn.GroupNorm(2, 4);
  assert.deepEqual([gn.weight!.toArray(), gn.bias!.toArray()], [[1, 1, 1, 1], [0, 0, 0, 0]]);
  for (const m of [linear, up, embedding, mha, gn]) m.dispose();
});
