// LR schedules: 50-step lr (and OneCycle momentum) sequences equal PyTorch 1.13's lr_scheduler outputs
// (golden fixture made by test/fixtures/optim_make_golden.py: PolynomialLR for poly with minLr 0,
// mmsegmentation's PolyLR formula for poly with a minimum lr, ChainedScheduler([LinearLR or ConstantLR,
// schedule]) for warmups), resume from a state dict, and errors for bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { optim } from "../src/index.js";
import { fixture } from "./helpers.js";

type Spec = { type: string; warmup?: Parameters<typeof optim.warmup>[1] } & Record<string, unknown>;

const golden = torch.loadSafetensors(fixture("optim_schedules.safetensors"));
const schedules = JSON.parse(golden.metadata.schedules) as { name: string; spec: Spec; groupLrs: number[] }[];

const makers: Record<string, (o: never) => optim.Schedule> = {
  poly: optim.poly, cosine: optim.cosine, cosineRestarts: optim.cosineRestarts, step: optim.step,
  multiStep: optim.multiStep, exponential: optim.exponential, oneCycle: optim.oneCycle,
};

function scheduleOf({ type, warmup, ...options }: Spec): optim.Schedule {
  const s = makers[type](options as never);
  return warmup === undefined ? s : optim.warmup(s, warmup);
}

/** Rows of a [steps, groups] fixture tensor. */
function rows(name: string): number[][] {
  const t = golden.tensors.get(name);
  assert.ok(t, `fixture has ${name}`);
  const [n, k] = t.shape;
  const flat = t.toArray();
  return Array.from({ length: n }, (_, i) => flat.slice(i * k, (i + 1) * k));
}

function closeRows(actual: number[][], expected: number[][], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((row, i) => row.forEach((v, k) => {
    const e = expected[i][k];
    assert.ok(Math.abs(v - e) <= 1e-12 + 1e-9 * Math.abs(e), `${what}: step ${i} group ${k} is ${v}, PyTorch ${e}`);
  }));
}

function sgdWithGroups(lrs: number[]): { opt: optim.SGD; params: torch.Tensor[] } {
  const params = lrs.map(() => torch.zeros([1]).keep());
  const opt = new optim.SGD(params.map((p, i) => ({ params: [p], lr: lrs[i] })), { lr: lrs[0], momentum: 0.9 });
  return { opt, params };
}

for (const { name, spec, groupLrs } of schedules) {
  test(`${name}: lr over 50 steps equals PyTorch's`, () => {
    const { opt, params } = sgdWithGroups(groupLrs);
    const sched = new optim.LrScheduler(opt, scheduleOf(spec));
    const expected = rows(`${name}.lr`);
    const lrs: number[][] = [];
    const momenta: number[][] = [];
    for (let i = 0; i < expected.length; i++) {
      lrs.push(opt.paramGroups.map((g) => g.lr));
      momenta.push(opt.paramGroups.map((g) => g.momentum));
      if (i < expected.length - 1) sched.step();
    }
    closeRows(lrs, expected, `${name} lr`);
    closeRows(expected.map((_, i) => sched.lrAt(i)), expected, `${name} lrAt`);
    if (golden.tensors.has(`${name}.momentum`)) closeRows(momenta, rows(`${name}.momentum`), `${name} momentum`);
    params.forEach((p) => p.dispose());
  });
}

test("OneCycle cycles Adam's beta1 and stops past totalSteps, like PyTorch", () => {
  const p = torch.zeros([1]);
  const opt = new optim.Adam([p], { lr: 0.1, betas: [0.9, 0.99] });
  const sched = new optim.LrScheduler(opt, optim.oneCycle({ totalSteps: 4, pctStart: 0.5 }));
  assert.deepEqual(opt.paramGroups[0].betas, [0.95, 0.99]);
  for (let i = 0; i < 4; i++) sched.step();
  assert.throws(() => sched.step(), /oneCycle: stepped 6 times, but totalSteps is 4/);
  const peak = new optim.LrScheduler(opt, optim.oneCycle({ totalSteps: 4, maxLr: 0.2, cycleMomentum: false }));
  // (PyTorch's cosine annealing formula rounds the same way, hence the tolerance)
  assert.ok(Math.abs(opt.paramGroups[0].lr - 0.2 / 25) < 1e-15, "starts at maxLr/divFactor whatever the group's lr");
  assert.ok(Math.abs(peak.lrAt(3)[0] - 0.2 / 25 / 1e4) < 1e-15, "reaches maxLr/divFactor/finalDivFactor at the last step");
  p.dispose();
});

test("resume: a scheduler loaded from a state dict continues the same lr sequence", () => {
  const make = () => sgdWithGroups([0.1, 0.01]);
  const schedule = () => optim.warmup(optim.cosineRestarts({ t0: 4, tMult: 2, etaMin: 1e-3 }), { iters: 3 });
  const a = make();
  const sa = new optim.LrScheduler(a.opt, schedule());
  for (let i = 0; i < 9; i++) sa.step();
  const saved = JSON.parse(JSON.stringify(sa.stateDict()));
  const b = make();
  const sb = new optim.LrScheduler(b.opt, schedule());
  sb.loadStateDict(saved);
  assert.equal(sb.iter, 9);
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(b.opt.paramGroups.map((g) => g.lr), a.opt.paramGroups.map((g) => g.lr), `lr ${i} steps after resume`);
    sa.step();
    sb.step();
  }
  [...a.params, ...b.params].forEach((p) => p.dispose());
});

test("bad input: unknown or missing schedule options, out-of-range values, optimizer without momentum", () => {
  assert.throws(() => optim.poly({ maxIters: 100, powr: 0.9 } as never), /poly: unknown option 'powr' \(allowed: maxIters, power, minLr\)/);
  assert.throws(() => optim.poly({} as never), /poly: maxIters is required/);
  assert.throws(() => optim.cosine({ tMax: 0 }), /cosine: tMax must be a positive integer, got 0/);
  assert.throws(() => optim.step({ stepSize: 10, gamma: -1 }), /step: gamma must be a finite number >= 0, got -1/);
  assert.throws(() => optim.multiStep({ milestones: [30, 10] }), /multiStep: milestones must be a non-decreasing array/);
  assert.throws(() => optim.exponential({} as never), /exponential: gamma is required/);
  assert.throws(() => optim.warmup(optim.constant(), { iters: 10, ratio: 2 }), /warmup: ratio must be in \[0, 1\], got 2/);
  assert.throws(() => optim.warmup(optim.constant(), { iters: 10, mode: "cosine" as never }), /warmup: mode must be "linear" or "constant"/);
  assert.throws(() => optim.oneCycle({ totalSteps: 10, annealStrategy: "exp" as never }), /oneCycle: annealStrategy must be "cos" or "linear"/);
  const fake = { name: "Custom", paramGroups: [{ lr: 0.1 }] };
  assert.throws(() => new optim.LrScheduler(fake, optim.oneCycle({ totalSteps: 10 })), /oneCycle cycles the momentum, but Custom param group 0 has neither momentum nor betas/);
  const sched = new optim.LrScheduler(fake, optim.constant());
  assert.throws(() => sched.loadStateDict({ iter: 1, baseLrs: [0.1, 0.2] }), /baseLrs has 2 entries, the optimizer has 1 parameter groups/);
  assert.throws(() => sched.loadStateDict({ iter: -1, baseLrs: [0.1] }), /iter must be an integer >= 0, got -1/);
});
