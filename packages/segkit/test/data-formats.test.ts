// Every dataset format against a small fixture folder of real PNG/JPEG files in a temp dir:
// pairing, class lists and palettes, and the stored-value → class mapping.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/data/datasets/index.js";
import type { PairDataset } from "../src/data/datasets/pair-dataset.js";
import { vocColourMap } from "../src/data/datasets/palette.js";
import type { Dataset } from "../src/data/types.js";
import { pattern, writeImage, writeLabel } from "./fixtures/data_files.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-data-formats-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const W = 6, H = 4;

/** The labels sample 0 maps `stored` to, as a flat array. */
async function mapped(dataset: Dataset, i = 0): Promise<number[]> {
  const raw = await dataset.raw(i);
  return [...raw.label];
}

function checkClasses(d: Dataset, count: number): void {
  assert.equal(d.classes.length, count);
  assert.equal(new Set(d.classes).size, count, "class names are distinct");
  assert.equal(d.palette.length, count);
  for (const rgb of d.palette) assert.ok(rgb.length === 3 && rgb.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
}

test("camvid: the shared SegNet layout reads 367 training pairs; sample tensors have the seam's shapes", async () => {
  const root = fileURLToPath(new URL("../../../../../shared/data/camvid", import.meta.url));
  const d = build<Dataset>("dataset", { type: "camvid", root, split: "train" });
  assert.equal(d.length, 367);
  checkClasses(d, 11);
  assert.equal(d.ignoreIndex, 11);
  const before = torch.liveTensors();
  const s = await d.get(0);
  assert.deepEqual(s.image.shape, [3, 360, 480]);
  assert.equal(s.image.dtype, "float32");
  assert.deepEqual(s.label.shape, [360, 480]);
  assert.equal(s.label.dtype, "int64");
  assert.ok(torch.tidy(() => s.label.max().item()) <= 11);
  s.image.dispose();
  s.label.dispose();
  assert.equal(torch.liveTensors(), before);
});

test("camvid: a fixture list with SegNet's absolute paths; 11 stays ignore", async () => {
  const root = join(tmp, "camvid");
  await writeImage(join(root, "train/a.png"), W, H);
  writeLabel(join(root, "trainannot/a.png"), W, H, pattern(W, H, [0, 10, 11]));
  writeFileSync(join(root, "train.txt"), "/SegNet/CamVid/train/a.png /SegNet/CamVid/trainannot/a.png\n");
  const d = build<Dataset>("dataset", { type: "camvid", root });
  assert.deepEqual(await mapped(d), [...pattern(W, H, [0, 10, 11])]);
});

test("cityscapes: labelIds become trainIds, other ids ignore", async () => {
  const root = join(tmp, "cityscapes");
  await writeImage(join(root, "leftImg8bit/val/aachen/x_000001_leftImg8bit.png"), W, H);
  writeLabel(join(root, "gtFine/val/aachen/x_000001_gtFine_labelIds.png"), W, H, pattern(W, H, [7, 8, 33, 0, 4, 26]));
  const d = build<Dataset>("dataset", { type: "cityscapes", root, split: "val" });
  checkClasses(d, 19);
  assert.equal(d.length, 1);
  assert.deepEqual(await mapped(d), [...pattern(W, H, [0, 1, 18, 255, 255, 13])]);
});

test("ade20k: reduce-zero-label (0 → ignore, v → v − 1)", async () => {
  const root = join(tmp, "ade");
  await writeImage(join(root, "images/validation/ADE_val_1.jpg"), W, H);
  writeLabel(join(root, "annotations/validation/ADE_val_1.png"), W, H, pattern(W, H, [0, 1, 150]));
  const d = build<Dataset>("dataset", { type: "ade20k", root, split: "validation" });
  checkClasses(d, 150);
  assert.deepEqual(await mapped(d), [...pattern(W, H, [255, 0, 149])]);
});

test("voc: palette PNG indices are the classes; 255 boundary is ignore; ImageSets split", async () => {
  const root = join(tmp, "voc");
  await writeImage(join(root, "JPEGImages/2007_000032.jpg"), W, H);
  await writeImage(join(root, "JPEGImages/2007_000033.jpg"), W, H);
  writeLabel(join(root, "SegmentationClass/2007_000032.png"), W, H, pattern(W, H, [0, 15, 20, 255]), { palette: vocColourMap(256) });
  mkdirSync(join(root, "ImageSets/Segmentation"), { recursive: true });
  writeFileSync(join(root, "ImageSets/Segmentation/train.txt"), "2007_000032\n");
  const d = build<Dataset>("dataset", { type: "voc", root, split: "train" });
  checkClasses(d, 21);
  assert.equal(d.length, 1, "only the split's stems");
  assert.deepEqual(await mapped(d), [...pattern(W, H, [0, 15, 20, 255])]);
});

test("pascal-context: 59 classes, background ignored", async () => {
  const root = join(tmp, "context");
  await writeImage(join(root, "JPEGImages/2008_000002.jpg"), W, H);
  writeLabel(join(root, "SegmentationClassContext/2008_000002.png"), W, H, pattern(W, H, [0, 1, 59]));
  mkdirSync(join(root, "ImageSets/SegmentationContext"), { recursive: true });
  writeFileSync(join(root, "ImageSets/SegmentationContext/val.txt"), "2008_000002\n");
  const d = build<Dataset>("dataset", { type: "pascal-context", root, split: "val" });
  checkClasses(d, 59);
  assert.deepEqual(await mapped(d), [...pattern(W, H, [255, 0, 58])]);
});

test("coco-stuff: the 171 used ids become contiguous, unused ids and 255 ignore", async () => {
  const root = join(tmp, "coco");
  await writeImage(join(root, "images/val2017/000000000139.jpg"), W, H);
  // 0 person, 11 unused, 12 stop sign (class 11), 90 unused, 91 banner (class 80), 181 wood (class 170)
  writeLabel(join(root, "annotations/val2017/000000000139.png"), W, H, pattern(W, H, [0, 11, 12, 90, 91, 181, 255, 10]));
  const d = build<Dataset>("dataset", { type: "coco-stuff", root, split: "val2017" });
  checkClasses(d, 171);
  assert.equal(d.classes[11], "stop sign");
  assert.equal(d.classes[80], "banner");
  assert.deepEqual(await mapped(d), [...pattern(W, H, [0, 255, 11, 255, 80, 170, 255, 10])]);
});

test("folder: classes.json names and palette, optional split list, masks paired by stem", async () => {
  const root = join(tmp, "folder");
  await writeImage(join(root, "images/a.png"), W, H);
  await writeImage(join(root, "images/b.jpg"), W, H, 1);
  writeLabel(join(root, "masks/a.png"), W, H, pattern(W, H, [0, 1, 2]));
  writeLabel(join(root, "masks/b.png"), W, H, pattern(W, H, [2, 9]));
  writeFileSync(join(root, "classes.json"), JSON.stringify({ classes: ["bg", "cat", "dog"], palette: [[0, 0, 0], [1, 2, 3], [4, 5, 6]], ignoreIndex: 9 }));
  mkdirSync(join(root, "splits"), { recursive: true });
  writeFileSync(join(root, "splits/val.txt"), "b\n");
  const all = build<Dataset>("dataset", { type: "folder", root });
  assert.equal(all.length, 2);
  assert.deepEqual(all.palette[1], [1, 2, 3]);
  assert.equal(all.ignoreIndex, 9);
  assert.deepEqual(await mapped(all), [...pattern(W, H, [0, 1, 2])]);
  const val = build<Dataset>("dataset", { type: "folder", root, split: "val" });
  assert.equal(val.length, 1);
  assert.deepEqual(await mapped(val), [...pattern(W, H, [2, 9])]);
});

test("binary: 0/255 masks become 0/1; other values need a threshold", async () => {
  const root = join(tmp, "binary");
  await writeImage(join(root, "images/p.jpg"), W, H);
  writeLabel(join(root, "masks/p.png"), W, H, pattern(W, H, [0, 255]));
  const d = build<Dataset>("dataset", { type: "binary", root });
  checkClasses(d, 2);
  assert.deepEqual(await mapped(d), [...pattern(W, H, [0, 1])]);
  const soft = join(tmp, "binary-soft");
  await writeImage(join(soft, "images/p.jpg"), W, H);
  writeLabel(join(soft, "masks/p.png"), W, H, pattern(W, H, [3, 200]));
  await assert.rejects(build<Dataset>("dataset", { type: "binary", root: soft }).raw(0), /p\.png: value 3/);
  assert.deepEqual(await mapped(build<Dataset>("dataset", { type: "binary", root: soft, threshold: 128 })), [...pattern(W, H, [0, 1])]);
});

test("synthetic: deterministic by seed and index, any size, all classes appear", async () => {
  const a = build<Dataset>("dataset", { type: "synthetic", length: 8, size: [48, 64], seed: 3 });
  const b = build<Dataset>("dataset", { type: "synthetic", length: 8, size: [48, 64], seed: 3 });
  const c = build<Dataset>("dataset", { type: "synthetic", length: 8, size: [48, 64], seed: 4 });
  checkClasses(a, 5);
  const [ra, rb, rc] = await Promise.all([a.raw(5), b.raw(5), c.raw(5)]);
  assert.equal(ra.width, 64);
  assert.equal(ra.height, 48);
  assert.deepEqual(ra.pixels, rb.pixels);
  assert.deepEqual(ra.label, rb.label);
  assert.notDeepEqual(ra.pixels, rc.pixels);
  const seen = new Set<number>();
  for (let i = 0; i < 8; i++) for (const v of (await a.raw(i)).label) seen.add(v);
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
});

test("pair datasets expose their pairs (used by inspect)", () => {
  const d = build<PairDataset>("dataset", { type: "binary", root: join(tmp, "binary") });
  assert.equal(d.pairs.length, 1);
  assert.match(d.pairs[0].label, /masks\/p\.png$/);
});
