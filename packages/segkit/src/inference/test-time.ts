// Test-time augmentation over any engine: class probabilities averaged over input scales and
// mirrored copies, each predicted whole or by sliding windows (config.test).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { TestConfig } from "../engine/run-config.js";
import type { Plan } from "./plan.js";
import { slidingWindowLogits } from "./sliding-window.js";

/** What the plan needs to know of the network. */
export interface NetworkShape {
  numClasses: number;
  /** Input height and width must be multiples of it. */
  divisor: number;
}

/** Logits of `x` at its size: one network call, or one per window in slide mode. */
function* networkLogits(x: Tensor, test: TestConfig, net: NetworkShape): Plan<Tensor> {
  if (test.mode === "slide") return yield* slidingWindowLogits(x, test.crop!, test.stride!, net.numClasses);
  return yield x;
}

/** Class probabilities (N, K, H, W) of `images` (N, C, H, W, owned by the caller), averaged over the configured augmentations. */
export function* testTimeProbabilities(images: Tensor, test: TestConfig, net: NetworkShape): Plan<Tensor> {
  // A softmax over one channel is 1 everywhere: every pixel would silently become class 0.
  if (net.numClasses === 1) throw new RangeError(oneChannelRefusal("class probabilities"));
  const [, , h, w] = images.shape;
  let sum: Tensor | null = null;
  let count = 0;
  try {
    for (const scale of test.scales) {
      // Scaled sizes are rounded to the network's divisor so every architecture accepts them.
      const d = net.divisor;
      const [sh, sw] = [Math.max(d, Math.round((h * scale) / d) * d), Math.max(d, Math.round((w * scale) / d) * d)];
      const resized = sh !== h || sw !== w;
      for (const flip of test.flip ? [false, true] : [false]) {
        const x = torch.tidy(() => {
          const input = resized ? torch.upsampleBilinear2d(images, [sh, sw], false) : images;
          return flip ? input.flip([3]) : input;
        });
        let logits: Tensor;
        try {
          logits = yield* networkLogits(x, test, net);
        } finally {
          if (x !== images) x.dispose();
        }
        const previous = sum as Tensor | null;
        try {
          sum = torch.tidy(() => {
            let l = flip ? logits.flip([3]) : logits;
            if (resized) l = torch.upsampleBilinear2d(l, [h, w], false);
            const p = l.softmax(1);
            return previous === null ? p : previous.add(p);
          });
        } finally {
          logits.dispose();
          previous?.dispose();
        }
        count++;
      }
    }
    return torch.tidy(() => sum!.div(count));
  } finally {
    sum?.dispose();
  }
}

/** Why labels cannot come from a one-channel (sigmoid) model: the label paths take one channel per class. */
export function oneChannelRefusal(what: string): string {
  return `${what} need one output channel per class, and this model has numClasses 1 (a sigmoid output, as U²-Net's saliency form); build it with numClasses 2 for a binary task`;
}
