// Optimizers: 20-step trajectories equal PyTorch 1.13's torch.optim (golden fixture made by
// test/fixtures/optim_make_golden.py; float64, 1e-5 relative), exact resume from a saved state dict,
// flat memory over long loops, and errors for bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { optim } from "../src/index.js";
import { assertClose, fixture } from "./helpers.js";

type Options = Record<string, number | boolean | number[]>;
interface Config { name: string; optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop"; options: Options; groups: Options[] | null }

const golden = torch.loadSafetensors(fixture("optim_trajectories.safetensors"));
const configs = JSON.parse(golden.metadata.configs) as Config[];
const g = (name: string): torch.Tensor => {
  const t = golden.tensors.get(name);
  assert.ok(t, `fixture has ${name}`);
  return t;
};
const STEPS = g("grads.p0").shape[0];
const NAMES = ["p0", "p1"];

function freshParams(): torch.Tensor[] {
  return NAMES.map((n) => {
    const p = g(`init.${n}`).clone().keep();
    p.requiresGrad = true;
    return p;
  });
}

type AnyOptimizer = optim.SGD | optim.Adam | optim.RMSprop;

function build(config: Config, params: torch.Tensor[]): AnyOptimizer {
  const given = config.groups === null ? params : params.map((p, i) => ({ params: [p], ...config.groups![i] }));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Class = optim[config.optimizer] as any;
  return new Class(given, config.options);
}

/** Steps `from` to `to` with the fixture's gradients, calling `check(step)` after each. */
function run(opt: AnyOptimizer, params: torch.Tensor[], from: number, to: number, check?: (step: number) => void): void {
  for (let i = from; i < to; i++) {
    torch.tidy(() => {
      opt.zeroGrad({ setToNone: true });
      params.forEach((p, k) => (p.grad = g(`grads.${NAMES[k]}`).select(0, i).clone()));
      opt.step();
    });
    check?.(i);
  }
}

for (const config of configs) {
  test(`${config.name}: 20 steps equal PyTorch's`, () => {
    const params = freshParams();
    const opt = build(config, params);
    run(opt, params, 0, STEPS, (i) => torch.tidy(() => params.forEach((p, k) =>
      assertClose(p, g(`${config.name}.${NAMES[k]}`).select(0, i), { rtol: 1e-5, atol: 1e-12 }, `${config.name} ${NAMES[k]} after step ${i + 1}`))));
    opt.dispose();
    params.forEach((p) => p.dispose());
  });
}

test("resume: state saved after 8 steps as safetensors, loaded into fresh objects, continues bit-identically", () => {
  for (const name of ["adam_amsgrad", "sgd_two_groups", "rmsprop_centered_momentum"]) {
    const config = configs.find((c) => c.name === name)!;
    const start = torch.liveTensors();
    const straight = freshParams();
    const a = build(config, straight);
    const sa = new optim.LrScheduler(a, optim.warmup(optim.poly({ maxIters: STEPS, power: 0.9 }), { iters: 5 }));
    const stepBoth = (opt: AnyOptimizer, s: optim.LrScheduler, params: torch.Tensor[], from: number, to: number) =>
      run(opt, params, from, to, () => s.step());
    stepBoth(a, sa, straight, 0, STEPS);

    const first = freshParams();
    const b = build(config, first);
    const sb = new optim.LrScheduler(b, optim.warmup(optim.poly({ maxIters: STEPS, power: 0.9 }), { iters: 5 }));
    stepBoth(b, sb, first, 0, 8);
    const { tensors, metadata } = optim.optimizerStateToSafetensors(b.stateDict());
    const bytes = torch.serializeSafetensors(new Map([...tensors, ...first.map((p, i) => [`param.${i}`, p] as const)]),
      { ...metadata, scheduler: JSON.stringify(sb.stateDict()) });
    b.dispose();
    first.forEach((p) => p.dispose());

    const saved = torch.parseSafetensors(bytes);
    const resumed = NAMES.map((_, i) => {
      const p = saved.tensors.get(`param.${i}`)!.clone().keep();
      p.requiresGrad = true;
      return p;
    });
    const c = build(config, resumed);
    const sc = new optim.LrScheduler(c, optim.warmup(optim.poly({ maxIters: STEPS, power: 0.9 }), { iters: 5 }));
    c.loadStateDict(optim.optimizerStateFromSafetensors(saved));
    sc.loadStateDict(JSON.parse(saved.metadata.scheduler));
    for (const t of saved.tensors.values()) t.dispose();
    stepBoth(c, sc, resumed, 8, STEPS);

    resumed.forEach((p, i) => assert.deepEqual(p.toArray(), straight[i].toArray(), `${name}: ${NAMES[i]} after resume`));
    assert.deepEqual(c.paramGroups.map((x) => x.lr), a.paramGroups.map((x) => x.lr), `${name}: lr after resume`);
    for (const t of [...straight, ...resumed]) t.dispose();
    a.dispose();
    c.dispose();
    assert.equal(torch.liveTensors(), start, `${name}: every tensor freed`);
  }
});

test("continues from PyTorch's optimizer state after 10 steps to PyTorch's parameters after 20", () => {
  for (const name of ["adam_amsgrad", "sgd_two_groups", "rmsprop_centered_momentum"]) {
    const config = configs.find((c) => c.name === name)!;
    const file = fixture(`optim_pytorch_state_${name}.safetensors`);
    const params = NAMES.map((n) => {
      const p = g(`${name}.${n}`).select(0, 9).clone().keep();
      p.requiresGrad = true;
      return p;
    });
    const opt = build(config, params);
    const saved = torch.loadSafetensors(file);
    opt.loadStateDict(optim.optimizerStateFromSafetensors(saved, file));
    for (const t of saved.tensors.values()) t.dispose();
    run(opt, params, 10, STEPS);
    torch.tidy(() => params.forEach((p, k) =>
      assertClose(p, g(`${name}.${NAMES[k]}`).select(0, STEPS - 1), { rtol: 1e-5, atol: 1e-12 }, `${name} ${NAMES[k]} after 20 steps`)));
    opt.dispose();
    params.forEach((p) => p.dispose());
  }
});

test("a 1000-step training loop leaves liveTensors where it started", () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const w = torch.randn([8, 4]).keep();
  const b = torch.zeros([4]).keep();
  w.requiresGrad = true;
  b.requiresGrad = true;
  const x = torch.randn([16, 8]).keep();
  for (const opt of [new optim.SGD([w, b], { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }),
    new optim.AdamW([w, b], { lr: 1e-3, amsgrad: true }), new optim.RMSprop([w, b], { centered: true, momentum: 0.9 })]) {
    const sched = new optim.LrScheduler(opt, optim.oneCycle({ totalSteps: 1000 }));
    for (let i = 0; i < 1000; i++) {
      torch.tidy(() => {
        opt.zeroGrad();
        x.matmul(w).add(b).tanh().square().mean().backward();
        optim.clipGradNorm([w, b], 1.0);
        opt.step();
      });
      sched.step();
    }
    assert.ok(torch.tidy(() => Number.isFinite(w.sum().item())), `${opt.name}: weights stay finite`);
    opt.dispose();
  }
  for (const t of [w, b, x]) t.dispose();
  assert.equal(torch.liveTensors(), start);
});

test("loading an optimizer's own state dict keeps it intact", () => {
  const p = torch.tensor([1, 2], { dtype: "float64", requiresGrad: true });
  const opt = new optim.Adam([p]);
  torch.tidy(() => p.square().sum().backward());
  opt.step();
  const before = torch.liveTensors();
  const avg = (opt.state.get(p)!.exp_avg as torch.Tensor).toArray();
  opt.loadStateDict(opt.stateDict());
  assert.deepEqual((opt.state.get(p)!.exp_avg as torch.Tensor).toArray(), avg);
  assert.equal(torch.liveTensors(), before);
  opt.dispose();
  p.dispose();
});

test("zeroGrad zeroes in place by default and drops the gradients with setToNone", () => {
  const p = torch.tensor([1, 1, 1], { dtype: "float32", requiresGrad: true });
  const opt = new optim.SGD([p], { lr: 0.1 });
  torch.tidy(() => p.mul(2).sum().backward());
  opt.zeroGrad();
  assert.deepEqual(p.grad?.toArray(), [0, 0, 0]);
  opt.zeroGrad({ setToNone: true });
  assert.equal(p.grad, null);
  opt.step(); // parameters without gradients are skipped
  assert.deepEqual(p.toArray(), [1, 1, 1]);
  p.dispose();
});

test("groupParameters: no decay on 1-D tensors, per-name lr and decay multipliers, groups merged", () => {
  const named = new Map([
    ["backbone.conv.weight", torch.zeros([4, 3, 3, 3])],
    ["backbone.bn.weight", torch.zeros([4])],
    ["decode_head.conv.weight", torch.zeros([2, 4, 1, 1])],
    ["decode_head.conv.bias", torch.zeros([2])],
    ["backbone.conv2.weight", torch.zeros([4, 4, 3, 3])],
  ]);
  const groups = optim.groupParameters(named, { lr: 0.01, weightDecay: 5e-4, rules: [{ match: "decode_head.", lrMult: 10 }] });
  const names = (ts: torch.Tensor[]) => ts.map((t) => [...named].find(([, v]) => v === t)![0]);
  assert.deepEqual(groups.map((x) => ({ lr: x.lr, weightDecay: x.weightDecay, params: names(x.params) })), [
    { lr: 0.01, weightDecay: 5e-4, params: ["backbone.conv.weight", "backbone.conv2.weight"] },
    { lr: 0.01, weightDecay: 0, params: ["backbone.bn.weight"] },
    { lr: 0.1, weightDecay: 5e-4, params: ["decode_head.conv.weight"] },
    { lr: 0.1, weightDecay: 0, params: ["decode_head.conv.bias"] },
  ]);
  const opt = new optim.SGD(groups, { lr: 0.01, momentum: 0.9 });
  assert.deepEqual(opt.paramGroups.map((x) => [x.lr, x.weightDecay, x.momentum]), [[0.01, 5e-4, 0.9], [0.01, 0, 0.9], [0.1, 5e-4, 0.9], [0.1, 0, 0.9]]);
  assert.throws(() => optim.groupParameters(named, { lr: 0.01, weightDecay: 0, rules: [{ match: "x", lrMul: 2 } as never] }), /rules\[0\]: unknown option 'lrMul'/);
  for (const t of named.values()) t.dispose();
});

test("bad input: unknown options, negative or missing lr, non-leaf or integer params, mismatched state", () => {
  const p = torch.tensor([0, 0], { dtype: "float32", requiresGrad: true });
  assert.throws(() => new optim.SGD([p], { lr: 0.1, momentun: 0.9 } as never), /SGD: unknown option 'momentun' \(allowed: lr, momentum/);
  assert.throws(() => new optim.SGD([p], {} as never), /SGD: lr is required/);
  assert.throws(() => new optim.Adam([p], { lr: -1 }), /Adam: lr must be a finite number >= 0, got -1/);
  assert.throws(() => new optim.Adam([p], { betas: [0.9, 1.5] }), /Adam: betas\[1\] must be in \[0, 1\), got 1.5/);
  assert.throws(() => new optim.Adam([p], { betas: 0.9 as never }), /Adam: betas must be an array of 2 numbers/);
  assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /nesterov needs momentum > 0/);
  assert.throws(() => new optim.RMSprop([{ params: [p], lr: -0.5 }]), /RMSprop param group 0: lr must be a finite number >= 0, got -0.5/);
  assert.throws(() => new optim.RMSprop([{ params: [p], centred: true } as never]), /RMSprop param group 0: unknown option 'centred'/);
  const q = torch.tensor([0, 0], { dtype: "float32", requiresGrad: true });
  torch.tidy(() => {
    assert.throws(() => new optim.SGD([q, p.mul(2)], { lr: 0.1 }), /SGD param group 0: params\[1\] is not a leaf tensor \(it was computed by MulBackward0\)/);
  });
  const ints = torch.zeros([2], { dtype: "int64" });
  assert.throws(() => new optim.AdamW([p, ints]), /AdamW param group 0: params\[1\] has dtype int64; only floating-point tensors/);
  assert.throws(() => new optim.SGD([{ params: [p] }, { params: [q, p] }], { lr: 1 }), /param group 1: params\[1\] appears in more than one parameter group/);
  assert.throws(() => new optim.SGD([], { lr: 1 }), /SGD: params must be a non-empty array/);
  assert.throws(() => new optim.SGD([{ params: [p] }, 3 as never], { lr: 1 }), /SGD param group 1: expected \{ params: Tensor\[\], \.\.\.options \}/);

  const opt = new optim.Adam([p]);
  const other = new optim.Adam([{ params: [p] }, { params: [q] }]);
  assert.throws(() => opt.loadStateDict(other.stateDict()), /Adam.loadStateDict: the state has 2 parameter groups, this optimizer has 1/);
  const wrong = torch.zeros([3]);
  assert.throws(() => opt.loadStateDict({ state: new Map([[0, { step: 1, exp_avg: wrong, exp_avg_sq: wrong }]]), paramGroups: [{ ...opt.defaults, params: [0] }] }),
    /Adam.loadStateDict: state 0.exp_avg has shape \[3\], the parameter has \[2\]/);
  const sgd = new optim.SGD([p], { lr: 0.1 });
  assert.throws(() => sgd.loadStateDict(opt.stateDict()), /SGD.loadStateDict: parameter group 0: unknown option 'betas'/);
  assert.throws(() => optim.optimizerStateFromSafetensors({ tensors: new Map(), metadata: {} }, "ckpt.safetensors"),
    /ckpt.safetensors: no 'optimizer.param_groups' in the metadata: not an optimizer state/);
  for (const t of [p, q, ints, wrong]) t.dispose();
});
