// The loss a head applies to its logits: cross-entropy with ignore_index (the KL divergence to a soft
// target while self-correction has one in scope) unless a loss config names another one, built
// through the registry ("loss" kind) so heads need not know the loss files.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build, type Config } from "../../config/registry.js";
import { inheritIgnoreIndex } from "../../losses/inherit-ignore-index.js";
import { softTargetLoss } from "../../losses/soft-target.js";
// Heads build losses by name, so building a model must not depend on who imported the loss files.
import "../../losses/index.js";

export type SegmentationLoss = (logits: Tensor, target: Tensor) => Tensor;

export function segmentationLoss(config: Config | undefined, ignoreIndex: number, where: string): SegmentationLoss {
  if (config) return build<SegmentationLoss>("loss", inheritIgnoreIndex(config, ignoreIndex, `${where}.loss`, "keep"), `${where}.loss`);
  return (logits, target) => softTargetLoss(logits, target, ignoreIndex) ?? torch.crossEntropyLoss(logits, target, { ignoreIndex });
}
