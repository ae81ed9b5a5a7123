// The loss a head applies to its logits: cross-entropy with ignore_index unless a loss config names
// another one, built through the registry ("loss" kind) so heads need not know the loss files.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build, type Config } from "../../config/registry.js";

export type SegmentationLoss = (logits: Tensor, target: Tensor) => Tensor;

export function segmentationLoss(config: Config | undefined, ignoreIndex: number, where: string): SegmentationLoss {
  if (config) return build<SegmentationLoss>("loss", config, `${where}.loss`);
  return (logits, target) => torch.crossEntropyLoss(logits, target, { ignoreIndex });
}
