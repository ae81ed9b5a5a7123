// Volumetric datasets: the built-in synthetic volumes (deterministic, every class present) and a
// folder of NIfTI pairs (images/ + labels/), whose mismatched shapes or spacings, missing labels and
// out-of-range label values give errors naming both files.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { writeNifti } from "../src/io/nifti-write.js";
import { volumeFromValues, type Vec3 } from "../src/io/nifti-volume.js";
import { NiftiFolderDataset } from "../src/data/volumes/nifti-folder.js";
import { SyntheticVolumeDataset } from "../src/data/volumes/synthetic-volumes.js";

test("synthetic volumes repeat for a seed and hold every class", async () => {
  const a = await new SyntheticVolumeDataset(3, [16, 12, 10], 5).raw(1);
  const b = await new SyntheticVolumeDataset(3, [16, 12, 10], 5).raw(1);
  assert.deepEqual(a, b);
  assert.equal(a.image.length, 16 * 12 * 10);
  const all = new Set<number>();
  for (let i = 0; i < 3; i++) (await new SyntheticVolumeDataset(3, [16, 12, 10], 5).raw(i)).label.forEach((c) => all.add(c));
  assert.deepEqual([...all].sort(), [0, 1, 2]);
  await assert.rejects(new SyntheticVolumeDataset(3, [16, 12, 10], 5).raw(3), /sample 3 is outside 0..2/);
});

function folder(): string {
  const root = mkdtempSync(join(tmpdir(), "segkit-nifti-folder-"));
  mkdirSync(join(root, "images"));
  mkdirSync(join(root, "labels"));
  return root;
}

function write(file: string, shape: Vec3, spacing: Vec3, value: (v: number) => number, type: "int16" | "uint8" = "int16"): void {
  writeNifti(file, volumeFromValues(Array.from({ length: shape[0] * shape[1] * shape[2] }, (_, v) => value(v)), shape, spacing, type));
}

test("a folder of NIfTI pairs reads images and labels in [X][Y][Z] order with their spacing", async () => {
  const root = folder();
  write(join(root, "images", "case1.nii.gz"), [4, 3, 2], [0.5, 0.5, 2], (v) => v * 10);
  write(join(root, "labels", "case1.nii"), [4, 3, 2], [0.5, 0.5, 2], (v) => v % 3, "uint8");
  write(join(root, "images", "case0.nii"), [2, 2, 2], [1, 1, 1], () => 7);
  write(join(root, "labels", "case0.nii.gz"), [2, 2, 2], [1, 1, 1], () => 1, "uint8");
  const dataset = new NiftiFolderDataset(root, ["background", "liver", "tumour"]);
  assert.equal(dataset.length, 2);
  assert.equal(dataset.file(0), join(root, "images", "case0.nii"));
  const s = await dataset.raw(1);
  assert.deepEqual(s.shape, [4, 3, 2]);
  assert.deepEqual(s.spacing, [0.5, 0.5, 2]);
  assert.deepEqual([...s.image], Array.from({ length: 24 }, (_, v) => v * 10));
  assert.deepEqual([...s.label], Array.from({ length: 24 }, (_, v) => v % 3));
});

test("mismatched shapes or spacings, missing labels and bad label values name the files", async () => {
  const root = folder();
  const image = join(root, "images", "a.nii");
  const label = join(root, "labels", "a.nii");
  write(image, [4, 3, 2], [1, 1, 1], () => 0);
  assert.throws(() => new NiftiFolderDataset(root, ["bg", "fg"]), new RegExp(`${image} has no label`));
  write(label, [4, 3, 3], [1, 1, 1], () => 0, "uint8");
  await assert.rejects(new NiftiFolderDataset(root, ["bg", "fg"]).raw(0), new RegExp(`${image} is \\[4, 3, 2\\] but its label ${label} is \\[4, 3, 3\\]`));
  write(label, [4, 3, 2], [1, 1.5, 1], () => 0, "uint8");
  await assert.rejects(new NiftiFolderDataset(root, ["bg", "fg"]).raw(0), new RegExp(`${image} has spacing \\[1, 1, 1\\] but its label ${label} has \\[1, 1.5, 1\\]`));
  write(label, [4, 3, 2], [1, 1, 1], (v) => (v === 5 ? 3 : 0), "uint8");
  await assert.rejects(new NiftiFolderDataset(root, ["bg", "fg"]).raw(0), new RegExp(`${label} has label 3 at voxel 5; classes are 0..1`));
  assert.throws(() => new NiftiFolderDataset(join(root, "nowhere"), ["bg"]), /cannot list the images folder/);
});
