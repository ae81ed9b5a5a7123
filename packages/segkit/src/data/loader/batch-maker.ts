// Producing one batch as typed arrays: read, transform (each sample with its own seeded stream) and
// stack. Runs in a worker thread or, with workers: 0, on the calling thread.
import { build, type Config } from "../../config/registry.js";
import "../datasets/index.js";
import { buildPipelineDeferringNormalize } from "../transforms/pipeline.js";
import type { Normalization, NormalizeTransform } from "../transforms/normalize.js";
import { Rng } from "../rng.js";
import type { PanopticTarget } from "../segments/types.js";
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
  /** Each sample's segments, when every sample of the batch has them (panoptic datasets). */
  panoptic: PanopticTarget[] | null;
  bad: BadSample[];
}

export class BatchMaker {
  readonly dataset: Dataset;
  private readonly transform: Transform;
  /** A trailing Normalize, applied while stacking (one pass over the pixels instead of two). */
  private readonly normalize: NormalizeTransform | null;

  constructor(private readonly source: LoaderSource) {
    this.dataset = build<Dataset>("dataset", source.dataset, "dataset");
    ({ transform: this.transform, normalize: this.normalize } = buildPipelineDeferringNormalize(source.pipeline, this.dataset.ignoreIndex));
  }

  async make(epoch: number, indices: number[]): Promise<StackedBatch> {
    const samples: RawSample[] = [];
    const bad: BadSample[] = [];
    // Every read starts at once: decoding runs on libuv's threads while this one transforms. Each
    // promise is settled into a value so that a failure is not an unhandled rejection.
    const reads = indices.map((index) => this.dataset.raw(index).then((sample) => ({ sample }), (error: Error) => ({ error })));
    for (const [k, index] of indices.entries()) {
      try {
        const read = await reads[k];
        if ("error" in read) throw read.error;
        samples.push(this.transform(read.sample, new Rng(this.source.seed, epoch, index)));
      } catch (e) {
        if (!this.source.skipBad) throw new Error(`${sampleName(this.dataset, index)}: ${(e as Error).message}`, { cause: e });
        bad.push({ index, message: (e as Error).message });
      }
    }
    return { ...stack(samples, this.normalize), bad };
  }
}

/** "sample 3 (path/to/image.png)": how messages name a sample. */
export function sampleName(dataset: Dataset, index: number): string {
  return `sample ${index} (${dataset.file(index)})`;
}

// Stacking also moves channels first (HWC → CHW): done here, in the worker, it keeps that pass off
// the thread that trains. The deferred normalization happens in the same pass.
function stack(samples: RawSample[], normalize: NormalizeTransform | null): Omit<StackedBatch, "bad"> {
  const first = samples[0];
  if (!first) return { n: 0, height: 0, width: 0, images: new Float32Array(0), labels: new Uint8Array(0), meta: [], panoptic: null };
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
    const at = i * plane * 3;
    if (normalize && s.pixels instanceof Uint8Array) planarNormalized(s.pixels, images, at, plane, normalize.normalization);
    else planar(normalize ? normalize(s, NO_RNG).pixels : s.pixels, images, at, plane);
    labels.set(s.label, i * plane);
  });
  const panoptic = samples.every((s) => s.panoptic) ? samples.map((s) => s.panoptic!) : null;
  return { n: samples.length, height, width, images, labels, meta: samples.map((s) => s.meta), panoptic };
}

// Normalize draws no random numbers.
const NO_RNG = new Rng(0, 0, 0);

function planar(px: Uint8Array | Float32Array, out: Float32Array, at: number, plane: number): void {
  for (let p = 0, i = 0; p < plane; p++, i += 3) {
    out[at + p] = px[i];
    out[at + plane + p] = px[i + 1];
    out[at + 2 * plane + p] = px[i + 2];
  }
}

function planarNormalized(px: Uint8Array, out: Float32Array, at: number, plane: number, { tables: [t0, t1, t2] }: Normalization): void {
  for (let p = 0, i = 0; p < plane; p++, i += 3) {
    out[at + p] = t0[px[i]];
    out[at + plane + p] = t1[px[i + 1]];
    out[at + 2 * plane + p] = t2[px[i + 2]];
  }
}
