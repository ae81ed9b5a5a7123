// Optimizers and learning-rate schedules by name, for configs. An optimizer config builds a factory
// that takes the model's named parameters (grouped: optional lr/decay multipliers by name, no weight
// decay on norms and biases by default, optional layer-wise lr decay for ViT, ConvNeXt and Swin backbones); a schedule
// config builds a factory that takes the run length.
import { optim, type Tensor } from "@segkit/torch";
import { build, checkKeys, register, type Builder, type Config } from "../config/registry.js";
import { layerDecayScale } from "./layer-decay.js";

export type AnyOptimizer = optim.SGD | optim.Adam | optim.AdamW | optim.RMSprop;
export type OptimizerFactory = (named: Map<string, Tensor>) => AnyOptimizer;
export type ScheduleFactory = (maxIters: number) => optim.Schedule;

interface Rule {
  match: string;
  lrMult?: number;
  decayMult?: number;
}

const GROUPING = ["lr", "weightDecay", "noDecayOn1d", "rules", "layerDecay"];

function grouped(named: Map<string, Tensor>, o: Record<string, unknown>) {
  const rules = (o.rules as Rule[] | undefined) ?? [];
  rules.forEach((r, i) => checkKeys(r as unknown as Record<string, unknown>, ["match", "lrMult", "decayMult"], `optimizer.rules[${i}]`));
  const lrScale = o.layerDecay === undefined ? undefined : layerDecayScale(o.layerDecay, [...named.keys()], "optimizer.layerDecay");
  return optim.groupParameters(named, {
    lr: o.lr as number, weightDecay: (o.weightDecay as number | undefined) ?? 0, noDecayOn1d: o.noDecayOn1d as boolean | undefined, rules, lrScale,
  });
}

interface OptimizerSpec {
  /** Option keys besides the grouping ones. */
  extra: string[];
  make: (groups: ReturnType<typeof grouped>, o: Record<string, unknown>) => AnyOptimizer;
  summary: string;
  formerly: string[];
}

function optimizer({ extra, make, summary, formerly }: OptimizerSpec): Builder<OptimizerFactory> {
  return {
    options: [...GROUPING, ...extra],
    summary,
    formerly,
    build: (o, where) => {
      if (typeof o.lr !== "number") throw new Error(`${where}: "lr" is required`);
      return (named) => make(grouped(named, o), o);
    },
  };
}

const pick = (o: Record<string, unknown>, keys: string[]): Record<string, unknown> =>
  Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

register("optimizer", "sgd", optimizer({
  formerly: ["SGD"], extra: ["momentum", "dampening", "nesterov"], summary: "SGD with momentum / Nesterov",
  make: (g, o) => new optim.SGD(g, { lr: o.lr as number, ...pick(o, ["momentum", "dampening", "nesterov"]) }),
}));
register("optimizer", "adam", optimizer({
  formerly: ["Adam"], extra: ["betas", "eps", "amsgrad"], summary: "Adam",
  make: (g, o) => new optim.Adam(g, { lr: o.lr as number, ...pick(o, ["betas", "eps", "amsgrad"]) }),
}));
register("optimizer", "adamw", optimizer({
  formerly: ["AdamW"], extra: ["betas", "eps", "amsgrad"], summary: "AdamW (decoupled weight decay)",
  make: (g, o) => new optim.AdamW(g, { lr: o.lr as number, ...pick(o, ["betas", "eps", "amsgrad"]) }),
}));
register("optimizer", "rmsprop", optimizer({
  formerly: ["RMSprop"], extra: ["alpha", "eps", "momentum", "centered"], summary: "RMSprop",
  make: (g, o) => new optim.RMSprop(g, { lr: o.lr as number, ...pick(o, ["alpha", "eps", "momentum", "centered"]) }),
}));

/** A schedule builder: `make` with the run length, behind an optional warmup. */
function schedule(options: string[], make: (o: Record<string, unknown>, maxIters: number) => optim.Schedule, summary: string): Builder<ScheduleFactory> {
  return {
    options: [...options, "warmup"],
    summary,
    build: (o, where) => (maxIters) => {
      const built = make(o, maxIters);
      if (o.warmup === undefined) return built;
      const w = o.warmup as Record<string, unknown>;
      checkKeys(w, ["iters", "mode", "ratio"], `${where}.warmup`);
      return optim.warmup(built, w as { iters: number; mode?: "linear" | "constant"; ratio?: number });
    },
  };
}

register("schedule", "poly", schedule(["power", "minLr"], (o, maxIters) => optim.poly({ maxIters, power: o.power as number | undefined, minLr: o.minLr as number | undefined }), "(1 - iter/max)^power, mmsegmentation's default"));
register("schedule", "cosine", schedule(["etaMin"], (o, maxIters) => optim.cosine({ tMax: maxIters, etaMin: o.etaMin as number | undefined }), "cosine annealing over the run"));
register("schedule", "step", schedule(["stepSize", "gamma"], (o) => optim.step(o as { stepSize: number; gamma?: number }), "×gamma every stepSize iterations"));
register("schedule", "multistep", schedule(["milestones", "gamma"], (o) => optim.multiStep(o as { milestones: number[]; gamma?: number }), "×gamma at each milestone"));
register("schedule", "constant", schedule([], () => optim.constant(), "constant lr"));

export function buildOptimizer(config: Config, named: Map<string, Tensor>): AnyOptimizer {
  return build<OptimizerFactory>("optimizer", config, "optimizer")(named);
}

export function buildSchedule(config: Config, maxIters: number): optim.Schedule {
  return build<ScheduleFactory>("schedule", config, "schedule")(maxIters);
}
