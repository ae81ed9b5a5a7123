// MS-SSIM loss (Wang, Simoncelli & Bovik, "Multiscale structural similarity for image quality
// assessment", 2003), applied as in UNet 3+ to class probabilities against the (one-hot) target:
// 1 − Π_{j<5} cs_j^{w_j} · ssim_5^{w_5}, with a Gaussian window (11, σ = 1.5) shrunk to the image at
// coarse scales, 2×2 average pooling between scales, the standard weights, and each term mapped to
// [0, 1] by (v + 1)/2 so that fractional powers of negative contrast terms stay defined.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { IGNORE_INDEX, checkInputs, probabilitiesAndTruth, type Loss } from "./helpers.js";
import type { LossSpec } from "./spec.js";

const WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

/** A normalised 2-D Gaussian window per channel, (channels, 1, size, size), for a grouped conv. */
function gaussianWindow(size: number, sigma: number, channels: number, dtype: Tensor["dtype"]): Tensor {
  const centre = (size - 1) / 2;
  const g = Array.from({ length: size }, (_, k) => Math.exp(-((k - centre) ** 2) / (2 * sigma * sigma)));
  const total = g.reduce((a, b) => a + b, 0);
  const line = torch.tensor(g.map((v) => v / total), { dtype });
  return line.unsqueeze(1).mul(line.unsqueeze(0)).expand([channels, 1, size, size]).contiguous();
}

/** Mean SSIM and mean contrast-structure term of x against y at one scale. */
function ssimAt(x: Tensor, y: Tensor, windowSize: number, sigma: number): [Tensor, Tensor] {
  const [, c, h, w] = x.shape;
  const window = gaussianWindow(Math.min(windowSize, h, w), sigma, c, x.dtype);
  const blur = (t: Tensor): Tensor => torch.conv2d(t, window, null, 1, 0, 1, c);
  const [muX, muY] = [blur(x), blur(y)];
  const varX = blur(x.mul(x)).sub(muX.mul(muX));
  const varY = blur(y.mul(y)).sub(muY.mul(muY));
  const cov = blur(x.mul(y)).sub(muX.mul(muY));
  const contrast = cov.mul(2).add(C2).div(varX.add(varY).add(C2));
  const luminance = muX.mul(muY).mul(2).add(C1).div(muX.mul(muX).add(muY.mul(muY)).add(C1));
  return [luminance.mul(contrast).mean(), contrast.mean()];
}

export const msSsim: LossSpec = {
  name: "ms_ssim",
  formerly: ["ms-ssim"],
  options: ["mode", "windowSize", "sigma", "ignoreIndex"],
  summary: "1 − MS-SSIM of probabilities vs target, 5 scales, Gaussian window 11/σ 1.5, standard weights",
  build(o, where): Loss {
    const mode = o.mode();
    const windowSize = o.number("windowSize", 11);
    const sigma = o.number("sigma", 1.5);
    const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
    return (logits, target) => {
      checkInputs(logits, target, mode, where);
      const smallest = 2 ** (WEIGHTS.length - 1);
      if (Math.min(logits.shape[2], logits.shape[3]) < smallest) {
        throw new RangeError(`${where}: ${WEIGHTS.length} scales need images of at least ${smallest}×${smallest}, got ${logits.shape[2]}×${logits.shape[3]}`);
      }
      let { probs: x, truth: y } = probabilitiesAndTruth(logits, target, mode, ignoreIndex, where);
      let similarity: Tensor | null = null;
      WEIGHTS.forEach((weight, scale) => {
        const [ssim, contrast] = ssimAt(x, y, windowSize, sigma);
        const term = (scale === WEIGHTS.length - 1 ? ssim : contrast).add(1).div(2).pow(weight);
        similarity = similarity ? similarity.mul(term) : term;
        if (scale < WEIGHTS.length - 1) {
          x = torch.avgPool2d(x, 2);
          y = torch.avgPool2d(y, 2);
        }
      });
      return similarity!.rsub(1);
    };
  },
};
