// What the pyramid vision transformers (MiT, PVT v2) share besides attention: their initialisation,
// the stochastic-depth schedule over the blocks, and the smallest input their sequence reduction takes.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/**
 * The authors' initialisation (MiT, PVT v2): Linear truncated-normal (std 0.02), conv
 * normal(0, √(2 / fan-out)), biases 0. timm's trunc_normal_ cuts at ±2 absolute, 100 standard
 * deviations here, so a plain normal draws from the same distribution (and is ~10× faster than
 * the erfinv method on this CPU).
 */
export function initPyramidTransformer(model: nn.Module): void {
  torch.noGrad(() => {
    for (const m of model.modules()) {
      if (m instanceof nn.Linear) {
        nn.init.normal(m.weight, 0, 0.02);
        if (m.bias) m.bias.zero_();
      } else if (m instanceof nn.Conv2d) {
        const fanOut = (m.kernelSize[0] * m.kernelSize[1] * m.outChannels) / m.groups;
        nn.init.normal(m.weight, 0, Math.sqrt(2 / fanOut));
        if (m.bias) m.bias.zero_();
      }
    }
  });
}

/** Drop-path probability of each block, per stage: torch.linspace(0, rate, all blocks), as the authors. */
export function dropPathSchedule(depths: number[], rate: number): number[][] {
  const total = depths.reduce((a, b) => a + b, 0);
  const rates = Array.from({ length: total }, (_, i) => (total === 1 ? 0 : (rate * i) / (total - 1)));
  let first = 0;
  return depths.map((depth) => rates.slice(first, (first += depth)));
}

/**
 * Throws unless `x` is (N, C, H, W) with H and W large enough that each stage's token grid
 * (⌈H / stride⌉) covers its sequence-reduction conv (kernel = stride = ratio; 1 = none).
 */
export function checkReducible(owner: string, x: Tensor, srRatios: number[], strides: number[]): void {
  if (x.ndim !== 4) throw new RangeError(`${owner}: expected an image batch (N, C, H, W), got [${x.shape.join(", ")}]`);
  // A grid of ⌈H / stride⌉ holds ratio cells when H > (ratio − 1) · stride.
  const minSize = Math.max(...srRatios.map((r, i) => (r - 1) * strides[i] + 1));
  const [h, w] = x.shape.slice(2);
  if (h < minSize || w < minSize) {
    throw new RangeError(`${owner}: input ${h}×${w} is too small; with sequence reduction ratios [${srRatios}] at strides [${strides}] height and width must be at least ${minSize}`);
  }
}
