// The synthetic scenes as panoptic data: the same textured shapes (box, disc, triangle, ring),
// each one a thing instance with its own segment id, over a background split by a wavy horizon into
// two stuff classes, bluish sky above and striped brown ground below. Segment ids are 1 (sky),
// 2 (ground) and 3 + the shape's drawing index; a shape hidden entirely by later ones has no
// segment. Small enough that a mask-classification model overfits it in CI. Deterministic by
// (seed, index).
import { register } from "../../config/registry.js";
import { num, pair, type Options } from "../options.js";
import { Rng } from "../rng.js";
import { recountPanoptic } from "../segments/segment-stats.js";
import type { PanopticDataset, PanopticTarget, SegmentInfo } from "../segments/types.js";
import type { RawSample, Rgb, Sample } from "../types.js";
import { drawScene, SYNTHETIC_CLASSES, SYNTHETIC_PALETTE } from "./synthetic.js";

const STUFF_CLASSES = ["sky", "ground"];
export const SYNTHETIC_PANOPTIC_CLASSES = [...STUFF_CLASSES, ...SYNTHETIC_CLASSES.slice(1)];
export const SYNTHETIC_PANOPTIC_PALETTE: Rgb[] = [[70, 130, 180], [140, 110, 60], ...SYNTHETIC_PALETTE.slice(1)];
const SKY: Rgb = [90, 140, 210];
const GROUND: Rgb = [130, 105, 60];

export class SyntheticPanopticDataset implements PanopticDataset {
  readonly classes = SYNTHETIC_PANOPTIC_CLASSES;
  readonly palette = SYNTHETIC_PANOPTIC_PALETTE;
  readonly isThing = SYNTHETIC_PANOPTIC_CLASSES.map((_, c) => c >= STUFF_CLASSES.length);
  readonly ignoreIndex = 255;

  constructor(
    readonly length: number,
    readonly size: [number, number],
    readonly seed: number,
  ) {}

  file(i: number): string {
    return `synthetic-panoptic-${this.seed}-${i}`;
  }

  async raw(i: number): Promise<RawSample & { panoptic: PanopticTarget }> {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`synthetic_panoptic: sample ${i} is outside 0..${this.length - 1}`);
    return this.draw(i);
  }

  async get(i: number): Promise<Sample> {
    const { sampleTensors } = await import("../to-tensors.js"); // keeps libtorch out of loader workers
    return sampleTensors(await this.raw(i));
  }

  /** Renders sample i. */
  draw(i: number): RawSample & { panoptic: PanopticTarget } {
    const [h, w] = this.size;
    // A stream of its own: the shapes are those of the semantic scenes with the same seed.
    const rng = new Rng(this.seed, i, 2);
    const level = h * rng.uniform(0.3, 0.7), amplitude = h * rng.uniform(0.03, 0.12);
    const cycles = rng.uniform(0.5, 2), phase = rng.uniform(0, 2 * Math.PI);
    const isSky = (x: number, y: number): boolean => y < level + amplitude * Math.sin((2 * Math.PI * cycles * x) / w + phase);
    const { pixels, owner, shapes } = drawScene(this.seed, i, this.size, (x, y, gradient) => {
      const tint = isSky(x, y) ? SKY : GROUND;
      const stripes = isSky(x, y) || y % 4 < 2 ? 0 : 20;
      return gradient.map((g, k) => 0.4 * g + 0.6 * tint[k] + stripes);
    });
    const label = new Uint8Array(h * w);
    const ids = new Int32Array(h * w);
    for (let p = 0; p < owner.length; p++) {
      if (owner[p] >= 0) {
        label[p] = STUFF_CLASSES.length - 1 + shapes[owner[p]].kind;
        ids[p] = STUFF_CLASSES.length + 1 + owner[p];
      } else {
        label[p] = isSky(p % w, Math.floor(p / w)) ? 0 : 1;
        ids[p] = label[p] + 1;
      }
    }
    const segment = (id: number, category: number): SegmentInfo => ({ id, category, isThing: this.isThing[category], iscrowd: false, area: 0, bbox: [0, 0, 0, 0] });
    const segments = [
      ...STUFF_CLASSES.map((_, c) => segment(c + 1, c)),
      ...shapes.map((s, k) => segment(STUFF_CLASSES.length + 1 + k, STUFF_CLASSES.length - 1 + s.kind)),
    ];
    return { width: w, height: h, pixels, label, panoptic: recountPanoptic(ids, w, segments), meta: { file: this.file(i), size: [h, w] } };
  }
}

export function syntheticPanoptic(o: Options): SyntheticPanopticDataset {
  const where = "dataset synthetic_panoptic";
  const length = num(o, "length", 256, where, [1, 1e9]);
  const [h, w] = pair(o, "size", [128, 128], where);
  if (![length, h, w].every((v) => Number.isInteger(v) && v > 0)) throw new Error(`${where}: "length" and "size" must be positive integers`);
  return new SyntheticPanopticDataset(length, [h, w], num(o, "seed", 0, where));
}

register("dataset", "synthetic_panoptic", {
  options: ["length", "size", "seed"], build: syntheticPanoptic, summary: "procedural shapes as thing instances over sky/ground stuff (6 classes), any size",
});
