// Optimizers and learning-rate schedules by name, for configs. An optimizer config builds a factory
// that takes the model's named parameters (grouped: optional lr/decay multipliers by name, no weight
// decay on norms and biases by default); a schedule config builds a factory that takes the run length.
import { optim, type Tensor } from "@segkit/torch";
import { checkKeys, register, type Config, build } from "../config/registry.js";

export type AnyOptimizer = optim.SGD | optim.Adam | optim.AdamW | optim.RMSprop;
export type OptimizerFactory = (named: Map<string, Tensor>) => AnyOptimizer;
export type ScheduleFactory = (maxIters: number) => optim.Schedule;

interface Rule {
  match: string;
  lrMult?: number;
  decayMult?: number;
}

const GROUPING = ["lr", "weightDecay", "noDecayOn1d", "rules"];

function grouped(named: Map<string, Tensor>, o: Record<string, unknown>) {
  const rules = (o.rules as Rule[] | undefined) ?? [];
  rules.forEach((r, i) => checkKeys(r as unknown as Record<string, unknown>, ["match", "lrMult", "decayMult"], `optimizer.rules[${i}]`));
  return optim.groupParameters(named, {
    lr: o.lr as number, weightDecay: (o.weightDecay as number | undefined) ?? 0, noDecayOn1d: o.noDecayOn1d as boolean | undefined, rules,
  });
}

function registerOptimizer(name: string, extra: string[], make: (groups: ReturnType<typeof grouped>, o: Record<string, unknown>) => AnyOptimizer, summary: string): void {
  register<OptimizerFactory>("optimizer", name, {
    options: [...GROUPING, ...extra],
    summary,
    build: (o) => {
      if (typeof o.lr !== "number") throw new Error(`optimizer "${name}": "lr" is required`);
      return (named) => make(grouped(named, o), o);
    },
  });
}

const pick = (o: Record<string, unknown>, keys: string[]): Record<string, unknown> =>
  Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

registerOptimizer("SGD", ["momentum", "dampening", "nesterov"], (g, o) => new optim.SGD(g, { lr: o.lr as number, ...pick(o, ["momentum", "dampening", "nesterov"]) }), "SGD with momentum / Nesterov");
registerOptimizer("Adam", ["betas", "eps", "amsgrad"], (g, o) => new optim.Adam(g, { lr: o.lr as number, ...pick(o, ["betas", "eps", "amsgrad"]) }), "Adam");
registerOptimizer("AdamW", ["betas", "eps", "amsgrad"], (g, o) => new optim.AdamW(g, { lr: o.lr as number, ...pick(o, ["betas", "eps", "amsgrad"]) }), "AdamW (decoupled weight decay)");
registerOptimizer("RMSprop", ["alpha", "eps", "momentum", "centered"], (g, o) => new optim.RMSprop(g, { lr: o.lr as number, ...pick(o, ["alpha", "eps", "momentum", "centered"]) }), "RMSprop");

function registerSchedule(name: string, options: string[], make: (o: Record<string, unknown>, maxIters: number) => optim.Schedule, summary: string): void {
  register<ScheduleFactory>("schedule", name, {
    options: [...options, "warmup"],
    summary,
    build: (o) => (maxIters) => {
      const schedule = make(o, maxIters);
      if (o.warmup === undefined) return schedule;
      const w = o.warmup as Record<string, unknown>;
      checkKeys(w, ["iters", "mode", "ratio"], `schedule "${name}".warmup`);
      return optim.warmup(schedule, w as { iters: number; mode?: "linear" | "constant"; ratio?: number });
    },
  });
}

registerSchedule("poly", ["power", "minLr"], (o, maxIters) => optim.poly({ maxIters, power: o.power as number | undefined, minLr: o.minLr as number | undefined }), "(1 - iter/max)^power, mmsegmentation's default");
registerSchedule("cosine", ["etaMin"], (o, maxIters) => optim.cosine({ tMax: maxIters, etaMin: o.etaMin as number | undefined }), "cosine annealing over the run");
registerSchedule("step", ["stepSize", "gamma"], (o) => optim.step(o as { stepSize: number; gamma?: number }), "×gamma every stepSize iterations");
registerSchedule("multistep", ["milestones", "gamma"], (o) => optim.multiStep(o as { milestones: number[]; gamma?: number }), "×gamma at each milestone");
registerSchedule("constant", [], () => optim.constant(), "constant lr");

export function buildOptimizer(config: Config, named: Map<string, Tensor>): AnyOptimizer {
  return build<OptimizerFactory>("optimizer", config, "optimizer")(named);
}

export function buildSchedule(config: Config, maxIters: number): optim.Schedule {
  return build<ScheduleFactory>("schedule", config, "schedule")(maxIters);
}
