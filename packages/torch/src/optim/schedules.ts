// Learning-rate schedules as closed forms of the iteration: lr(iter, base) for a group whose base lr is
// `base`. Each equals the PyTorch 1.13 lr_scheduler (or mmsegmentation formula) named in its comment;
// LrScheduler (scheduler.ts) applies one to an optimizer's groups.
import { inRange, nonNegative, options, positiveInt } from "./hyper.js";

export interface Schedule {
  readonly name: string;
  /** The lr after `iter` scheduler steps (iter 0 is the lr before the first optimizer step). */
  lr(iter: number, base: number): number;
  /** When present, the momentum (SGD/RMSprop momentum, Adam's beta1) at `iter`: OneCycle cycles it. */
  momentum?(iter: number): number;
}

/**
 * mmsegmentation's PolyLR: (base - minLr)·(1 - min(iter, maxIters)/maxIters)^power + minLr.
 * With minLr 0 it is PyTorch's PolynomialLR(total_iters=maxIters, power).
 */
export function poly(given: { maxIters: number; power?: number; minLr?: number }): Schedule {
  const o = options({ maxIters: NaN, power: 1, minLr: 0 }, given, "poly");
  positiveInt(o.maxIters, "maxIters", "poly");
  nonNegative(o.power, "power", "poly");
  nonNegative(o.minLr, "minLr", "poly");
  return {
    name: "poly",
    lr: (iter, base) => (base - o.minLr) * (1 - Math.min(iter, o.maxIters) / o.maxIters) ** o.power + o.minLr,
  };
}

// Half a cosine from `base` down to `etaMin` as t goes from 0 to period.
const cosineDecay = (t: number, period: number, base: number, etaMin: number): number =>
  etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / period))) / 2;

/** PyTorch's CosineAnnealingLR(T_max, eta_min); like PyTorch, past tMax the cosine rises again. */
export function cosine(given: { tMax: number; etaMin?: number }): Schedule {
  const o = options({ tMax: NaN, etaMin: 0 }, given, "cosine");
  positiveInt(o.tMax, "tMax", "cosine");
  nonNegative(o.etaMin, "etaMin", "cosine");
  return { name: "cosine", lr: (iter, base) => cosineDecay(iter, o.tMax, base, o.etaMin) };
}

/** PyTorch's CosineAnnealingWarmRestarts(T_0, T_mult, eta_min): periods t0, t0·tMult, t0·tMult², ... */
export function cosineRestarts(given: { t0: number; tMult?: number; etaMin?: number }): Schedule {
  const o = options({ t0: NaN, tMult: 1, etaMin: 0 }, given, "cosineRestarts");
  positiveInt(o.t0, "t0", "cosineRestarts");
  positiveInt(o.tMult, "tMult", "cosineRestarts");
  nonNegative(o.etaMin, "etaMin", "cosineRestarts");
  return {
    name: "cosineRestarts",
    lr: (iter, base) => {
      let t = iter;
      let period = o.t0;
      while (t >= period) {
        t -= period;
        period *= o.tMult;
      }
      return cosineDecay(t, period, base, o.etaMin);
    },
  };
}

/** PyTorch's StepLR(step_size, gamma): base·gamma^floor(iter/stepSize). */
export function step(given: { stepSize: number; gamma?: number }): Schedule {
  const o = options({ stepSize: NaN, gamma: 0.1 }, given, "step");
  positiveInt(o.stepSize, "stepSize", "step");
  nonNegative(o.gamma, "gamma", "step");
  return { name: "step", lr: (iter, base) => base * o.gamma ** Math.floor(iter / o.stepSize) };
}

/** PyTorch's MultiStepLR(milestones, gamma): base·gamma^(number of milestones <= iter). */
export function multiStep(given: { milestones: number[]; gamma?: number }): Schedule {
  const { milestones, ...rest } = given;
  const o = options({ gamma: 0.1 }, rest, "multiStep");
  nonNegative(o.gamma, "gamma", "multiStep");
  if (!Array.isArray(milestones) || milestones.some((m, i) => !Number.isInteger(m) || m < 0 || (i > 0 && m < milestones[i - 1]))) {
    throw new TypeError(`multiStep: milestones must be a non-decreasing array of integers >= 0, got ${JSON.stringify(milestones)}`);
  }
  const sorted = [...milestones];
  return { name: "multiStep", lr: (iter, base) => base * o.gamma ** sorted.filter((m) => m <= iter).length };
}

/** PyTorch's ExponentialLR(gamma): base·gamma^iter. */
export function exponential(given: { gamma: number }): Schedule {
  const o = options({ gamma: NaN }, given, "exponential");
  if (Number.isNaN(o.gamma)) throw new TypeError("exponential: gamma is required");
  nonNegative(o.gamma, "gamma", "exponential");
  return { name: "exponential", lr: (iter, base) => base * o.gamma ** iter };
}

/** The base lr throughout (to put a warmup in front of a constant lr). */
export function constant(): Schedule {
  return { name: "constant", lr: (_iter, base) => base };
}

/**
 * `schedule` with a warmup over its first `iters` iterations, multiplying its lr by a factor: linear
 * from `ratio` to 1 (PyTorch's LinearLR(start_factor=ratio, total_iters=iters)), or `ratio` until
 * `iters` (ConstantLR(factor=ratio, total_iters=iters)). This is mmsegmentation's warmup (warmup_ratio
 * times the regular lr) and PyTorch's ChainedScheduler([warmup, schedule]) for multiplicative schedules.
 */
export function warmup(schedule: Schedule, given: { iters: number; mode?: "linear" | "constant"; ratio?: number }): Schedule {
  const { mode = "linear", ...rest } = given;
  const o = options({ iters: NaN, ratio: 0.1 }, rest, "warmup");
  positiveInt(o.iters, "iters", "warmup");
  inRange(o.ratio, "ratio", "warmup", 0, 1, true);
  if (mode !== "linear" && mode !== "constant") throw new TypeError(`warmup: mode must be "linear" or "constant", got ${JSON.stringify(mode)}`);
  const factor = mode === "linear"
    ? (iter: number) => o.ratio + ((1 - o.ratio) * Math.min(iter, o.iters)) / o.iters
    : (iter: number) => (iter < o.iters ? o.ratio : 1);
  return { ...schedule, name: `${mode} warmup + ${schedule.name}`, lr: (iter, base) => factor(iter) * schedule.lr(iter, base) };
}

export interface OneCycleOptions {
  totalSteps: number;
  /** The peak lr; by default each group's lr when the scheduler is made. */
  maxLr?: number;
  pctStart?: number;
  annealStrategy?: "cos" | "linear";
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
}

/**
 * PyTorch's OneCycleLR: lr from maxLr/divFactor up to maxLr over pctStart of the steps, then down to
 * maxLr/(divFactor·finalDivFactor) (threePhase: back down to the start, then to the minimum), with the
 * momentum cycling the opposite way between maxMomentum and baseMomentum.
 */
export function oneCycle(given: OneCycleOptions): Schedule {
  const { annealStrategy = "cos", maxLr, ...rest } = given;
  const o = options({ totalSteps: NaN, pctStart: 0.3, cycleMomentum: true as boolean, baseMomentum: 0.85, maxMomentum: 0.95,
    divFactor: 25, finalDivFactor: 1e4, threePhase: false as boolean }, rest, "oneCycle");
  positiveInt(o.totalSteps, "totalSteps", "oneCycle");
  inRange(o.pctStart, "pctStart", "oneCycle", 0, 1, true);
  if (maxLr !== undefined) nonNegative(maxLr, "maxLr", "oneCycle");
  if (annealStrategy !== "cos" && annealStrategy !== "linear") {
    throw new TypeError(`oneCycle: annealStrategy must be "cos" or "linear", got ${JSON.stringify(annealStrategy)}`);
  }
  const anneal = annealStrategy === "cos"
    ? (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
    : (start: number, end: number, pct: number) => (end - start) * pct + start;
  // Phases as fractions of the peak lr (start, end) and momenta (start, end), ending at `end` steps.
  const initial = 1 / o.divFactor;
  const min = initial / o.finalDivFactor;
  const [lo, hi] = [o.baseMomentum, o.maxMomentum];
  const up = o.pctStart * o.totalSteps - 1;
  const phases = o.threePhase
    ? [{ end: up, lr: [initial, 1], m: [hi, lo] }, { end: 2 * o.pctStart * o.totalSteps - 2, lr: [1, initial], m: [lo, hi] },
      { end: o.totalSteps - 1, lr: [initial, min], m: [hi, hi] }]
    : [{ end: up, lr: [initial, 1], m: [hi, lo] }, { end: o.totalSteps - 1, lr: [1, min], m: [lo, hi] }];
  const at = (iter: number, pick: (p: (typeof phases)[number]) => number[]): number => {
    if (iter > o.totalSteps) throw new RangeError(`oneCycle: stepped ${iter + 1} times, but totalSteps is ${o.totalSteps}`);
    const i = phases.findIndex((p, k) => iter <= p.end || k === phases.length - 1);
    const start = i === 0 ? 0 : phases[i - 1].end;
    const [a, b] = pick(phases[i]);
    return anneal(a, b, (iter - start) / (phases[i].end - start));
  };
  return {
    name: "oneCycle",
    lr: (iter, base) => (maxLr ?? base) * at(iter, (p) => p.lr),
    ...(o.cycleMomentum ? { momentum: (iter: number) => at(iter, (p) => p.m) } : {}),
  };
}
