// Optimizers, learning-rate schedules, gradient clipping and weight EMA.
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
