// Losses that read the 2D layout of the pixels (distances to label borders, Gaussian windows and
// pooling between scales): on any other arrangement, such as a volume's slices laid side by side,
// they measure across slice edges and are wrong. Models that reshape before the loss refuse them.
import { currentName, type Config } from "../config/registry.js";
import { boundary, distancePenalizedCrossEntropy, hausdorffDistance } from "./boundary.js";
import { msSsim } from "./ms-ssim.js";

const PLANAR = new Set([boundary.name, hausdorffDistance.name, distancePenalizedCrossEntropy.name, msSsim.name]);

/** The first loss of `config`, sub-losses of compound and deep_supervision included, that reads the 2D layout; null if none. */
export function planarLossIn(config: Config | undefined): string | null {
  if (typeof config?.type !== "string") return null;
  const type = currentName("loss", config.type);
  if (PLANAR.has(type)) return type;
  const subLosses = [...(Array.isArray(config.losses) ? config.losses : []), ...(config.loss ? [config.loss] : [])] as Config[];
  for (const sub of subLosses) {
    const found = planarLossIn(sub);
    if (found) return found;
  }
  return null;
}
