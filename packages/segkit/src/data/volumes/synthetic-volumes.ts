// Procedural volumes for tests and demos, the 3D counterpart of the synthetic scenes: a smooth
// noisy background with 2–4 objects (balls and boxes) drawn over each other, each class with its own
// mean intensity, one intensity channel, the given spacing. Deterministic by (seed, index).
import { Rng } from "../rng.js";
import type { Vec3 } from "../../io/nifti-volume.js";
import type { RawVolumeSample, VolumeDataset } from "./types.js";

export const SYNTHETIC_VOLUME_CLASSES = ["background", "ball", "box"];

export class SyntheticVolumeDataset implements VolumeDataset {
  readonly classes = SYNTHETIC_VOLUME_CLASSES;
  readonly ignoreIndex = 255;

  constructor(readonly length: number, readonly shape: Vec3, readonly seed: number, readonly spacing: Vec3 = [1, 1, 1]) {
    if (!shape.every((s) => Number.isInteger(s) && s >= 4)) throw new RangeError(`synthetic volumes: shape must be integers ≥ 4, got [${shape.join(", ")}]`);
  }

  file(i: number): string {
    return `synthetic-volume-${this.seed}-${i}`;
  }

  async raw(i: number): Promise<RawVolumeSample> {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`synthetic volumes: sample ${i} is outside 0..${this.length - 1}`);
    return this.draw(i);
  }

  /** Renders volume i. */
  draw(i: number): RawVolumeSample {
    const rng = new Rng(this.seed, i);
    const [nx, ny, nz] = this.shape;
    const scale = Math.min(nx, ny, nz);
    const objects = Array.from({ length: 2 + rng.int(3) }, () => ({
      kind: 1 + rng.int(2),
      centre: [rng.uniform(0.2, 0.8) * nx, rng.uniform(0.2, 0.8) * ny, rng.uniform(0.2, 0.8) * nz],
      radius: scale * rng.uniform(0.15, 0.3),
      level: rng.uniform(0.8, 1.2),
    }));
    const tilt = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
    const image = new Float32Array(nx * ny * nz);
    const label = new Uint8Array(nx * ny * nz);
    for (let x = 0; x < nx; x++) {
      for (let y = 0; y < ny; y++) {
        for (let z = 0; z < nz; z++) {
          const v = (x * ny + y) * nz + z;
          let value = 0.2 * ((tilt[0] * x) / nx + (tilt[1] * y) / ny + (tilt[2] * z) / nz);
          for (const o of objects) {
            const d = [x - o.centre[0], y - o.centre[1], z - o.centre[2]];
            const inside = o.kind === 1 ? Math.hypot(...d) <= o.radius : d.every((c) => Math.abs(c) <= o.radius * 0.8);
            if (!inside) continue;
            label[v] = o.kind;
            // Balls are bright, boxes dark: told apart by intensity and shape, as organs often are.
            value = o.kind === 1 ? o.level : -o.level;
          }
          image[v] = value + rng.uniform(-0.15, 0.15);
        }
      }
    }
    return { shape: [nx, ny, nz], spacing: [...this.spacing], channels: 1, image, label, file: this.file(i) };
  }
}
