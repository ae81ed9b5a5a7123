// Optimizers, learning-rate schedules, gradient clipping and weight EMA, with PyTorch 1.13's semantics.
//
//   const opt = new optim.SGD(optim.groupParameters(model.namedParameters(), { lr: 0.01, weightDecay: 5e-4,
//     rules: [{ match: "decode_head.", lrMult: 10 }] }), { lr: 0.01, momentum: 0.9 });
//   const sched = new optim.LrScheduler(opt, optim.warmup(optim.poly({ maxIters: 80000, power: 0.9, minLr: 1e-4 }), { iters: 1500 }));
//   const ema = new optim.ExponentialMovingAverage(() => model.stateDict(), { decay: 0.999, warmup: true });
//   each iteration: opt.zeroGrad(); loss.backward(); optim.clipGradNorm(params, 35); opt.step(); sched.step(); ema.update();
//   evaluation: ema.copyTo(); evaluate(model); ema.restore();
export { Optimizer, type OptimizerStateDict, type ParamGroup, type ParamGroupSpec, type ParamState, type Hyper } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamOptions } from "./adam.js";
export { RMSprop, type RMSpropOptions } from "./rmsprop.js";
export { groupParameters, type GroupRule, type GroupingOptions } from "./param-groups.js";
export { optimizerStateToSafetensors, optimizerStateFromSafetensors } from "./state-file.js";
export { clipGradNorm, clipGradValue } from "./clip.js";
export { poly, cosine, cosineRestarts, step, multiStep, exponential, constant, warmup, oneCycle, type Schedule, type OneCycleOptions } from "./schedules.js";
export { LrScheduler, type LrSchedulerState, type SchedulableOptimizer } from "./scheduler.js";
export { ExponentialMovingAverage, type EmaOptions } from "./ema.js";
