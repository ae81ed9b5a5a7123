// The loss a head applies to its logits: cross-entropy with ignore_index (the KL divergence to a soft
// target while self-correction has one in scope) unless a loss config names another one, built
// through the registry ("loss" kind) so heads need not know the loss files.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build, builderOf, registered, type Config, currentName } from "../../config/registry.js";
import { softTargetLoss } from "../../losses/soft-target.js";
// Heads build losses by name, so building a model must not depend on who imported the loss files.
import "../../losses/index.js";

export type SegmentationLoss = (logits: Tensor, target: Tensor) => Tensor;

export function segmentationLoss(config: Config | undefined, ignoreIndex: number, where: string): SegmentationLoss {
  if (config) return build<SegmentationLoss>("loss", withModelIgnoreIndex(config, ignoreIndex), `${where}.loss`);
  return (logits, target) => softTargetLoss(logits, target, ignoreIndex) ?? torch.crossEntropyLoss(logits, target, { ignoreIndex });
}

/** A loss that takes an ignoreIndex but was not given one ignores the model's (not the loss's own default). */
function withModelIgnoreIndex(config: Config, ignoreIndex: number): Config {
  // Unknown types are left for build() to reject with the config path.
  if (typeof config.type !== "string" || "ignoreIndex" in config) return config;
  const type = currentName("loss", config.type);
  if (!registered("loss").includes(type)) return config;
  const takesIgnoreIndex = builderOf("loss", type).options.includes("ignoreIndex");
  return takesIgnoreIndex ? { ...config, ignoreIndex } : config;
}
