// Cityscapes as panoptic/instance data: ROOT/leftImg8bit/SPLIT/CITY/X_leftImg8bit.png with
// ROOT/gtFine/SPLIT/CITY/X_gtFine_instanceIds.png, whose values are labelId·1000 + instance for
// objects and the bare labelId elsewhere. As cityscapesScripts' createPanopticImgs does, each value
// is one segment of the labelId's trainId (19 classes); a bare labelId of a thing class (person …
// bicycle) is a crowd region; labelIds not evaluated are void. Segment ids are the stored values.
import { existsSync } from "node:fs";
import { register } from "../../config/registry.js";
import { readLabelPng } from "../../io/label-png.js";
import { readRgbImage } from "../image-file.js";
import type { Options } from "../options.js";
import { panopticSample } from "../segments/panoptic-sample.js";
import type { PanopticDataset, PanopticTarget, SegmentInfo } from "../segments/types.js";
import type { RawSample, Sample } from "../types.js";
import { CITYSCAPES_CLASSES, CITYSCAPES_PALETTE, cityscapesLut, cityscapesPairs } from "./cityscapes.js";
import { INVALID, type FilePair } from "./pair-dataset.js";

/** trainIds from "person" on have instances. */
const FIRST_THING = CITYSCAPES_CLASSES.indexOf("person");

export class CityscapesPanopticDataset implements PanopticDataset {
  readonly classes = CITYSCAPES_CLASSES;
  readonly palette = CITYSCAPES_PALETTE;
  readonly isThing = CITYSCAPES_CLASSES.map((_, c) => c >= FIRST_THING);
  readonly ignoreIndex = 255;
  private readonly lut = cityscapesLut();

  constructor(readonly pairs: FilePair[]) {
    if (pairs.length === 0) throw new Error("cityscapes_panoptic: no samples found");
  }

  get length(): number {
    return this.pairs.length;
  }

  file(i: number): string {
    return this.pairs[i]?.image ?? `cityscapes_panoptic sample ${i} (none: ${this.length} samples)`;
  }

  async raw(i: number): Promise<RawSample & { panoptic: PanopticTarget }> {
    const pair = this.pairs[i];
    if (!pair) throw new RangeError(`cityscapes_panoptic: sample ${i} is outside 0..${this.length - 1}`);
    const [image, stored] = await Promise.all([readRgbImage(pair.image), readLabelPng(pair.label)]);
    if (image.width !== stored.width || image.height !== stored.height) {
      throw new Error(`size mismatch: image ${pair.image} is ${image.width}×${image.height} but ${pair.label} is ${stored.width}×${stored.height}`);
    }
    const ids = new Int32Array(stored.data.length);
    const segments = new Map<number, SegmentInfo>();
    for (let p = 0; p < ids.length; p++) {
      const value = stored.data[p];
      let segment = segments.get(value);
      if (!segment) {
        const labelId = value < 1000 ? value : Math.floor(value / 1000);
        const trainId = labelId < this.lut.length ? this.lut[labelId] : INVALID;
        if (trainId === INVALID) {
          throw new Error(`${pair.label}: value ${value} at (x=${p % stored.width}, y=${Math.floor(p / stored.width)}) has labelId ${labelId}, which is no Cityscapes label (0..33)`);
        }
        const isThing = trainId !== 255 && this.isThing[trainId];
        segment = { id: trainId === 255 ? 0 : value, category: trainId, isThing, iscrowd: isThing && value < 1000, area: 0, bbox: [0, 0, 0, 0] };
        segments.set(value, segment);
      }
      ids[p] = segment.id;
    }
    const listed = [...segments.values()].filter((s) => s.id !== 0);
    return panopticSample(image, ids, listed, { imageFile: pair.image, idFile: pair.label, listedIn: `the labelIds of ${pair.label}` }, this.ignoreIndex);
  }

  async get(i: number): Promise<Sample> {
    const { sampleTensors } = await import("../to-tensors.js"); // keeps libtorch out of loader workers
    return sampleTensors(await this.raw(i));
  }
}

export function cityscapesPanoptic(o: Options): CityscapesPanopticDataset {
  const where = "dataset cityscapes_panoptic";
  const pairs = cityscapesPairs(o, "instanceIds", where);
  const missing = pairs.flatMap((p) => [p.image, p.label]).find((f) => !existsSync(f));
  if (missing) throw new Error(`${where}: ${missing} does not exist`);
  return new CityscapesPanopticDataset(pairs);
}

register("dataset", "cityscapes_panoptic", {
  options: ["root", "split"], build: cityscapesPanoptic, summary: "Cityscapes gtFine instanceIds → 19 trainIds, 8 thing classes with instances",
});
