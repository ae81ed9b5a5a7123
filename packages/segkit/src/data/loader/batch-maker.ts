// Producing one batch as typed arrays: read, transform (each sample with its own seeded stream) and
// stack. Runs in a worker thread or, with workers: 0, on the calling thread.
import { build, type Config } from "../../config/registry.js";
import "../datasets/index.js";
import { buildPipeline } from "../transforms/pipeline.js";
import { Rng } from "../rng.js";
import type { Dataset, RawSample, SampleMeta, Transform } from "../types.js";

export interface LoaderSource {
  dataset: Config;
  pipeline: Config[];
  seed: number;
  skipBad: boolean;
}

export interface BadSample {
  index: number;
  message: string;
}

/** N samples stacked as N×3×H×W float32 images and N×H×W labels. */
export interface StackedBatch {
  n: number;
  height: number;
  width: number;
  images: Float32Array;
  labels: Uint8Array;
  meta: SampleMeta[];
  bad: BadSample[];
}

export class BatchMaker {
  readonly dataset: Dataset;
  private readonly transform: Transform;

  constructor(private readonly source: LoaderSource) {
    this.dataset = build<Dataset>("dataset", source.dataset, "dataset");
    this.transform = buildPipeline(source.pipeline, this.dataset.ignoreIndex);
  }

  async make(epoch: number, indices: number[]): Promise<StackedBatch> {
    const samples: RawSample[] = [];
    const bad: BadSample[] = [];
    for (const index of indices) {
      try {
        samples.push(this.transform(await this.dataset.raw(index), new Rng(this.source.seed, epoch, index)));
      } catch (e) {
        if (!this.source.skipBad) throw e;
        bad.push({ index, message: (e as Error).message });
      }
    }
    return { ...stack(samples), bad };
  }
}

// Stacking also moves channels first (HWC → CHW): done here, in the worker, it keeps that pass off
// the thread that trains.
function stack(samples: RawSample[]): Omit<StackedBatch, "bad"> {
  const first = samples[0];
  if (!first) return { n: 0, height: 0, width: 0, images: new Float32Array(0), labels: new Uint8Array(0), meta: [] };
  const { width, height } = first;
  const odd = samples.find((s) => s.width !== width || s.height !== height);
  if (odd) {
    throw new Error(
      `cannot batch ${first.meta.file} (${width}×${height}) with ${odd.meta.file} (${odd.width}×${odd.height}): ` +
        "add a RandomCrop, Resize with keepRatio false, or Pad to the pipeline",
    );
  }
  const plane = width * height;
  const images = new Float32Array(samples.length * plane * 3);
  const labels = new Uint8Array(samples.length * plane);
  samples.forEach((s, i) => {
    const r = i * plane * 3, g = r + plane, b = g + plane;
    for (let p = 0; p < plane; p++) {
      images[r + p] = s.pixels[3 * p];
      images[g + p] = s.pixels[3 * p + 1];
      images[b + p] = s.pixels[3 * p + 2];
    }
    labels.set(s.label, i * plane);
  });
  return { n: samples.length, height, width, images, labels, meta: samples.map((s) => s.meta) };
}
