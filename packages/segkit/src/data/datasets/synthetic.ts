// Procedural scenes for demos and tests: a gradient background with soft blotches, and 3–6 shapes
// (boxes, discs, triangles, rings) drawn over each other, so later ones occlude earlier ones. Each
// class has its own texture (stripes, checks, smooth, dots) and a jittered colour near its palette
// colour, while the background is greyish: a small network learns it in minutes, yet has to get
// shapes, occlusion and noise right for a high mIoU. Deterministic by (seed, index). With
// `labelNoise` p, a fraction p of the label pixels is flipped to another class drawn uniformly (the
// images stay as they are): noisy annotations for noise-robust training such as self-correction.
import { register } from "../../config/registry.js";
import { num, pair, type Options } from "../options.js";
import { Rng } from "../rng.js";
import type { Dataset, RawSample, Rgb, Sample } from "../types.js";

export const SYNTHETIC_CLASSES = ["background", "box", "disc", "triangle", "ring"];
export const SYNTHETIC_PALETTE: Rgb[] = [[0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200]];

export interface Shape {
  kind: number;
  cx: number;
  cy: number;
  r: number;
  angle: number;
  colour: Rgb;
  period: number;
}

export class SyntheticDataset implements Dataset {
  readonly classes = SYNTHETIC_CLASSES;
  readonly palette = SYNTHETIC_PALETTE;
  readonly ignoreIndex = 255;

  constructor(
    readonly length: number,
    readonly size: [number, number],
    readonly seed: number,
    readonly labelNoise = 0,
  ) {}

  file(i: number): string {
    return `synthetic-${this.seed}-${i}`;
  }

  async raw(i: number): Promise<RawSample> {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`synthetic: sample ${i} is outside 0..${this.length - 1}`);
    return this.draw(i);
  }

  async get(i: number): Promise<Sample> {
    const { sampleTensors } = await import("../to-tensors.js"); // keeps libtorch out of loader workers
    return sampleTensors(await this.raw(i));
  }

  /** Renders sample i (synchronously: the generator needs no IO). */
  draw(i: number): RawSample {
    const { pixels, owner, shapes } = drawScene(this.seed, i, this.size);
    const label = Uint8Array.from(owner, (k) => (k < 0 ? 0 : shapes[k].kind));
    if (this.labelNoise > 0) {
      // A stream of its own, so the images are the same with and without noise.
      const noise = new Rng(this.seed, i, 1);
      const k = SYNTHETIC_CLASSES.length;
      for (let p = 0; p < label.length; p++) if (noise.chance(this.labelNoise)) label[p] = (label[p] + 1 + noise.int(k - 1)) % k;
    }
    const [h, w] = this.size;
    return { width: w, height: h, pixels, label, meta: { file: this.file(i), size: [h, w] } };
  }
}

/** A background's colour at (x, y), given the grey gradient's colour there. */
export type Backdrop = (x: number, y: number, gradient: number[]) => number[];

export interface Scene {
  /** H×W×3 RGB. */
  pixels: Uint8Array;
  /** H×W: the index in `shapes` of the shape seen at each pixel, -1 for the background. */
  owner: Int16Array;
  shapes: Shape[];
}

/** Scene i of `seed` at size [h, w], over the grey gradient or over `backdrop`'s colours. */
export function drawScene(seed: number, i: number, [h, w]: [number, number], backdrop?: Backdrop): Scene {
  const rng = new Rng(seed, i);
  const scale = Math.min(h, w);
  const jitter = (rgb: Rgb, by: number): Rgb => rgb.map((c) => c + rng.uniform(-by, by)) as Rgb;
  const grey = (): Rgb => {
    const level = rng.uniform(40, 215);
    return jitter([level, level, level], 25);
  };
  const [from, to] = [grey(), grey()];
  const tilt = rng.uniform(0, Math.PI);
  const blotches = Array.from({ length: 3 }, () => ({ x: rng.uniform(0, w), y: rng.uniform(0, h), r: scale * rng.uniform(0.2, 0.5), d: rng.uniform(-40, 40) }));
  const shapes: Shape[] = Array.from({ length: 3 + rng.int(4) }, () => {
    const kind = 1 + rng.int(4);
    return {
      kind, cx: rng.uniform(0, w), cy: rng.uniform(0, h), r: scale * rng.uniform(0.08, 0.22),
      angle: rng.uniform(0, Math.PI), colour: jitter(SYNTHETIC_PALETTE[kind], 45), period: rng.uniform(3, 6),
    };
  });
  const pixels = new Uint8Array(h * w * 3);
  const owner = new Int16Array(h * w).fill(-1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const t = 0.5 + 0.5 * Math.sin(((x * Math.cos(tilt) + y * Math.sin(tilt)) / scale) * Math.PI);
      let shade = blotches.reduce((acc, b) => acc + b.d * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (b.r * b.r)), 0);
      const gradient = from.map((c, k) => c + (to[k] - c) * t);
      let rgb = backdrop ? backdrop(x, y, gradient) : gradient;
      for (let index = 0; index < shapes.length; index++) {
        const texture = inside(shapes[index], x, y);
        if (texture === null) continue;
        owner[p] = index;
        rgb = shapes[index].colour;
        shade = texture;
      }
      for (let k = 0; k < 3; k++) pixels[p * 3 + k] = Math.min(255, Math.max(0, rgb[k] + shade + rng.normal() * 6));
    }
  }
  return { pixels, owner, shapes };
}

/** null when (x, y) is outside the shape, else the texture's brightness offset there. */
function inside(s: Shape, x: number, y: number): number | null {
  const dx = x - s.cx, dy = y - s.cy;
  const u = dx * Math.cos(s.angle) + dy * Math.sin(s.angle);
  const v = -dx * Math.sin(s.angle) + dy * Math.cos(s.angle);
  const d2 = dx * dx + dy * dy;
  switch (s.kind) {
    case 1: // box with stripes
      return Math.abs(u) < s.r && Math.abs(v) < s.r * 0.7 ? (Math.floor(u / s.period) % 2 ? 35 : -35) : null;
    case 2: // disc with checks
      return d2 < s.r * s.r ? ((Math.floor(x / s.period) + Math.floor(y / s.period)) % 2 ? 30 : -30) : null;
    case 3: // smooth triangle
      return v < s.r * 0.6 && v > -s.r && Math.abs(u) < (s.r * 0.6 - v) * 0.6 ? 0 : null;
    default: // ring with dots
      return d2 < s.r * s.r && d2 > (s.r * 0.55) ** 2 ? ((Math.floor(x / 3) + Math.floor(y / 3)) % 3 === 0 ? 45 : 0) : null;
  }
}

export function synthetic(o: Options): SyntheticDataset {
  const where = "dataset synthetic";
  const length = num(o, "length", 256, where, [1, 1e9]);
  const [h, w] = pair(o, "size", [128, 128], where);
  if (![length, h, w].every((v) => Number.isInteger(v) && v > 0)) throw new Error(`${where}: "length" and "size" must be positive integers`);
  return new SyntheticDataset(length, [h, w], num(o, "seed", 0, where), num(o, "labelNoise", 0, where, [0, 1]));
}

register("dataset", "synthetic", { options: ["length", "size", "seed", "labelNoise"], build: synthetic, summary: "procedural textured shapes (5 classes), any size" });
