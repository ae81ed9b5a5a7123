// A folder of NIfTI volumes: images/NAME.nii[.gz] with labels/NAME.nii[.gz] (the same name; the
// extensions may differ), as medical segmentation sets (e.g. the Medical Segmentation Decathlon's
// imagesTr/labelsTr) are laid out. Each pair must agree in shape and spacing; errors name both files.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readNifti } from "../../io/nifti-read.js";
import { volumeValues } from "../../io/nifti-volume.js";
import type { RawVolumeSample, VolumeDataset } from "./types.js";

const NIFTI = /\.nii(\.gz)?$/;
/** Relative spacing difference tolerated between an image and its label (float32 header rounding). */
const SPACING_TOLERANCE = 1e-4;

function listNifti(dir: string, what: string): Map<string, string> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new Error(`NIfTI folder: cannot list the ${what} folder ${dir} (${(e as Error).message})`);
  }
  return new Map(names.filter((n) => NIFTI.test(n)).sort().map((n) => [n.replace(NIFTI, ""), join(dir, n)]));
}

export class NiftiFolderDataset implements VolumeDataset {
  readonly #pairs: [string, string][];

  constructor(readonly root: string, readonly classes: string[], readonly ignoreIndex = 255) {
    if (!(classes.length >= 1 && classes.length <= 255)) throw new RangeError(`NIfTI folder ${root}: between 1 and 255 classes, got ${classes.length}`);
    const images = listNifti(join(root, "images"), "images");
    const labels = listNifti(join(root, "labels"), "labels");
    if (images.size === 0) throw new Error(`NIfTI folder ${root}: no .nii or .nii.gz files in images/`);
    this.#pairs = [...images].map(([name, image]) => {
      const label = labels.get(name);
      if (!label) throw new Error(`NIfTI folder ${root}: ${image} has no label (expected labels/${name}.nii or .nii.gz)`);
      return [image, label];
    });
  }

  get length(): number {
    return this.#pairs.length;
  }

  file(i: number): string {
    return this.#pairs[i][0];
  }

  async raw(i: number): Promise<RawVolumeSample> {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`NIfTI folder ${this.root}: sample ${i} is outside 0..${this.length - 1}`);
    const [imageFile, labelFile] = this.#pairs[i];
    const image = readNifti(imageFile);
    const label = readNifti(labelFile);
    if (image.shape.join() !== label.shape.join()) {
      throw new Error(`NIfTI folder: ${imageFile} is [${image.shape.join(", ")}] but its label ${labelFile} is [${label.shape.join(", ")}]`);
    }
    if (image.spacing.some((s, k) => Math.abs(s - label.spacing[k]) > SPACING_TOLERANCE * s)) {
      throw new Error(`NIfTI folder: ${imageFile} has spacing [${image.spacing.join(", ")}] but its label ${labelFile} has [${label.spacing.join(", ")}]`);
    }
    const values = volumeValues(label);
    const classes = new Uint8Array(values.length);
    for (let v = 0; v < values.length; v++) {
      const c = values[v];
      if (!(Number.isInteger(c) && (c < this.classes.length || c === this.ignoreIndex) && c >= 0)) {
        throw new Error(`NIfTI folder: ${labelFile} has label ${c} at voxel ${v}; classes are 0..${this.classes.length - 1} (and ${this.ignoreIndex} to ignore)`);
      }
      classes[v] = c;
    }
    return { shape: image.shape, spacing: image.spacing, channels: 1, image: volumeValues(image), label: classes, file: imageFile };
  }
}
