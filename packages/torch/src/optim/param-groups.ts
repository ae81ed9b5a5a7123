// Parameter groups from named parameters: no weight decay on norms and biases, per-name lr and decay
// multipliers (mmsegmentation's paramwise_cfg: norm_decay_mult, bias_decay_mult, custom_keys).
import type { Tensor } from "../tensor.js";
import { nonNegative, rejectUnknownKeys } from "./hyper.js";

export interface GroupRule {
  /** A substring of the parameter name (e.g. "decode_head.") or a predicate. */
  match: string | ((name: string, param: Tensor) => boolean);
  lrMult?: number;
  decayMult?: number;
}

export interface GroupingOptions {
  lr: number;
  weightDecay: number;
  /** No decay on 1-D tensors (biases, norm weights and biases); default true. */
  noDecayOn1d?: boolean;
  /** Checked in order; the first rule whose match fits a parameter sets its multipliers. */
  rules?: GroupRule[];
  /** A further lr factor by parameter name, on top of the rule's (layer-wise lr decay). */
  lrScale?: (name: string) => number;
}

/**
 * Splits named parameters (e.g. module.namedParameters()) into groups with explicit lr and weightDecay,
 * one group per distinct pair, in order of first appearance.
 */
export function groupParameters(named: Map<string, Tensor> | Iterable<[string, Tensor]>, given: GroupingOptions): { params: Tensor[]; lr: number; weightDecay: number }[] {
  rejectUnknownKeys(given, ["lr", "weightDecay", "noDecayOn1d", "rules", "lrScale"], "groupParameters");
  const lr = nonNegative(given.lr, "lr", "groupParameters");
  const weightDecay = nonNegative(given.weightDecay, "weightDecay", "groupParameters");
  const rules = given.rules ?? [];
  rules.forEach((r, i) => rejectUnknownKeys(r, ["match", "lrMult", "decayMult"], `groupParameters rules[${i}]`));
  const groups = new Map<string, { params: Tensor[]; lr: number; weightDecay: number }>();
  for (const [name, p] of named) {
    const rule = rules.find((r) => (typeof r.match === "string" ? name.includes(r.match) : r.match(name, p)));
    const decayMult = (given.noDecayOn1d ?? true) && p.ndim <= 1 ? 0 : rule?.decayMult ?? 1;
    const group = { lr: lr * (rule?.lrMult ?? 1) * (given.lrScale?.(name) ?? 1), weightDecay: weightDecay * decayMult };
    const key = `${group.lr}/${group.weightDecay}`;
    if (!groups.has(key)) groups.set(key, { params: [], ...group });
    groups.get(key)!.params.push(p);
  }
  return [...groups.values()];
}
