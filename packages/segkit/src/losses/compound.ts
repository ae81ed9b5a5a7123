// Losses made of losses: a weighted sum of named losses built from config (e.g. CE + Dice), and deep
// supervision, which applies one loss to several outputs (main head first) with weights, resizing
// either the logits up to the target or the target down to each output (nearest neighbour).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build, type Config } from "../config/registry.js";
import type { Loss, Options } from "./helpers.js";
import { inheritIgnoreIndex } from "./inherit-ignore-index.js";
import type { LossSpec } from "./spec.js";

/** Losses over several outputs of one network (deep supervision). */
export type DeepSupervisedLoss = (outputs: Tensor[], target: Tensor) => Tensor;

function configs(o: Options, key: string, where: string): Config[] {
  const v = o.values[key];
  if (!Array.isArray(v) || v.length === 0) throw new TypeError(`${where}: "${key}" must be a non-empty array of loss configs`);
  return v as Config[];
}

/** The sub-loss config at `where`, inheriting this loss's ignoreIndex when it was given one. */
function subLoss(o: Options, config: Config, where: string): Config {
  const ignoreIndex = o.values.ignoreIndex;
  if (ignoreIndex === undefined) return config;
  return inheritIgnoreIndex(config, o.number("ignoreIndex", 0), where, "refuse");
}

function weightsFor(o: Options, count: number, where: string): number[] {
  const weights = o.numbers("weights") ?? new Array<number>(count).fill(1);
  if (weights.length !== count) throw new RangeError(`${where}: "weights" has ${weights.length} entries for ${count} terms`);
  return weights;
}

export const compound: LossSpec = {
  name: "compound",
  options: ["losses", "weights", "ignoreIndex"],
  summary: "weighted sum of losses, e.g. { losses: [{ type: 'cross_entropy' }, { type: 'dice' }], weights: [1, 1] }",
  build(o, where): Loss {
    const terms = configs(o, "losses", where).map((c, i) => build<Loss>("loss", subLoss(o, c, `${where}.losses[${i}]`), `${where}.losses[${i}]`));
    const weights = weightsFor(o, terms.length, where);
    return (logits, target) => terms.map((term, i) => term(logits, target).mul(weights[i])).reduce((a, b) => a.add(b));
  },
};

/** `target` (N,H,W) labels or (N,C,H,W) masks resized to `size` by nearest neighbour, keeping its dtype. */
function resizeTarget(target: Tensor, size: number[]): Tensor {
  const labels = target.ndim === 3;
  const asFloat = (labels ? target.unsqueeze(1) : target).to("float64");
  const resized = torch.upsampleNearest2d(asFloat, size).to(target.dtype);
  return labels ? resized.squeeze(1) : resized;
}

function deepSupervisionFrom(o: Options, where: string): DeepSupervisedLoss {
  const loss = build<Loss>("loss", subLoss(o, (o.values.loss ?? null) as Config, `${where}.loss`), `${where}.loss`);
  const resize = o.oneOf("resize", ["logits", "target"], "logits");
  const weights = o.numbers("weights");
  return (outputs, target) => {
    const w = weights ?? new Array<number>(outputs.length).fill(1);
    if (w.length !== outputs.length) throw new RangeError(`${where}: "weights" has ${w.length} entries for ${outputs.length} outputs`);
    const size = target.shape.slice(-2);
    const terms = outputs.map((logits, i) => {
      const term =
        resize === "logits"
          ? loss(torch.upsampleBilinear2d(logits, size, false), target)
          : loss(logits, resizeTarget(target, logits.shape.slice(-2)));
      return term.mul(w[i]);
    });
    return terms.reduce((a, b) => a.add(b));
  };
}

export const deepSupervision: LossSpec<DeepSupervisedLoss> = {
  name: "deep_supervision",
  formerly: ["deep-supervision"],
  options: ["loss", "weights", "resize", "ignoreIndex"],
  summary: "one loss over several outputs with weights, resizing logits up (bilinear) or the target down (nearest)",
  build: deepSupervisionFrom,
};
