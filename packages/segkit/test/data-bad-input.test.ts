// Bad input gives an error naming the file (or key); with skipBad, a warning naming it, the sample
// left out and counted.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { build } from "../src/config/registry.js";
import "../src/data/datasets/index.js";
import type { PairDataset } from "../src/data/datasets/pair-dataset.js";
import { DataLoader } from "../src/data/loader/data-loader.js";
import type { Dataset } from "../src/data/types.js";
import { pattern, writeImage, writeLabel } from "./fixtures/data_files.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-data-bad-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const W = 6, H = 4;
let folders = 0;

/** A fresh binary-format folder with `n` good pairs p0..p(n-1). */
async function binaryFolder(n: number): Promise<string> {
  const root = join(tmp, `b${folders++}`);
  for (let i = 0; i < n; i++) {
    await writeImage(join(root, `images/p${i}.png`), W, H, i);
    writeLabel(join(root, `masks/p${i}.png`), W, H, pattern(W, H, [0, 255]));
  }
  return root;
}

const open = (root: string, extra: Record<string, unknown> = {}): PairDataset => build<PairDataset>("dataset", { type: "binary", root, ...extra });

test("a truncated image names the file", async () => {
  const root = await binaryFolder(1);
  const file = join(root, "images/p0.png");
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
  await assert.rejects(open(root).raw(0), (e: Error) => e.message.startsWith(`cannot decode image ${file}`));
});

test("a file that is not an image at all names the file", async () => {
  const root = await binaryFolder(1);
  writeFileSync(join(root, "images/p0.png"), "not a png");
  await assert.rejects(open(root).raw(0), /cannot decode image .*p0\.png/);
});

test("a missing label file names it", async () => {
  const root = await binaryFolder(2);
  rmSync(join(root, "masks/p1.png"));
  assert.throws(() => open(root), new RegExp(`label map ${join(root, "masks/p1.png")} does not exist`));
});

test("image/label size mismatch names both files and sizes", async () => {
  const root = await binaryFolder(1);
  writeLabel(join(root, "masks/p0.png"), W - 1, H, pattern(W - 1, H, [0]));
  await assert.rejects(open(root).raw(0), /size mismatch: image .*p0\.png is 6×4 but label map .*masks\/p0\.png is 5×4/);
});

test("label values outside the classes and not ignore name the file, value and pixel", async () => {
  const root = join(tmp, "camvid-bad");
  await writeImage(join(root, "train/a.png"), W, H);
  writeLabel(join(root, "trainannot/a.png"), W, H, pattern(W, H, [0, 3, 12]));
  writeFileSync(join(root, "train.txt"), "train/a.png trainannot/a.png\n");
  const d = build<Dataset>("dataset", { type: "camvid", root });
  await assert.rejects(d.raw(0), /label map .*trainannot\/a\.png: value 12 at \(x=2, y=0\) is not a camvid class \(0\.\.10 after mapping\) nor the ignore value 11/);
});

test("16-bit label maps read value by value: up to 255 like 8-bit ones, above 255 refused naming the file, value and pixel", async () => {
  const root = await binaryFolder(1);
  writeLabel(join(root, "masks/p0.png"), W, H, pattern(W, H, [0, 255]), { sixteen: true });
  const wide = await open(root).raw(0);
  writeLabel(join(root, "masks/p0.png"), W, H, pattern(W, H, [0, 255]));
  assert.deepEqual(wide.label, (await open(root).raw(0)).label);
  writeLabel(join(root, "masks/p0.png"), W, H, Uint16Array.from({ length: W * H }, (_, i) => [0, 255, 300][i % 3]), { sixteen: true });
  await assert.rejects(open(root).raw(0), /label map .*masks\/p0\.png: value 300 at \(x=2, y=0\) is above 255/);
});

test("palette surprises: an RGB label map, or a palette with a repeated colour in use, name the file", async () => {
  const root = await binaryFolder(1);
  await writeImage(join(root, "masks/p0.png"), W, H);
  await assert.rejects(open(root).raw(0), /cannot decode label map .*masks\/p0\.png: it has 3 colour channels/);
  const palette: [number, number, number][] = [[0, 0, 0], [9, 9, 9], [9, 9, 9]];
  writeLabel(join(root, "masks/p0.png"), W, H, pattern(W, H, [0, 2]), { palette });
  await assert.rejects(open(root).raw(0), /masks\/p0\.png: pixel 1 has colour #090909, which appears twice in the palette/);
});

test("empty folders name the folder", () => {
  const root = join(tmp, "empty");
  mkdirSync(join(root, "images/training"), { recursive: true });
  assert.throws(() => build("dataset", { type: "ade20k", root }), /dataset ade20k: folder .*images\/training has no .jpg\/.jpeg\/.png files/);
  assert.throws(() => build("dataset", { type: "binary", root: join(tmp, "nowhere") }), /folder .*nowhere\/images does not exist/);
});

test("list files: missing, empty, or pointing at nothing", async () => {
  const root = join(tmp, "voc-bad");
  await writeImage(join(root, "JPEGImages/a.jpg"), W, H);
  writeLabel(join(root, "SegmentationClass/a.png"), W, H, pattern(W, H, [0]));
  assert.throws(() => build("dataset", { type: "voc", root, split: "train" }), /split list .*ImageSets\/Segmentation\/train\.txt does not exist/);
  mkdirSync(join(root, "ImageSets/Segmentation"), { recursive: true });
  writeFileSync(join(root, "ImageSets/Segmentation/train.txt"), "\n\n");
  assert.throws(() => build("dataset", { type: "voc", root, split: "train" }), /split list .*train\.txt is empty/);
  writeFileSync(join(root, "ImageSets/Segmentation/train.txt"), "a\nghost\n");
  assert.throws(() => build("dataset", { type: "voc", root, split: "train" }), /voc: image .*JPEGImages\/ghost\.jpg does not exist/);
  const camvid = join(tmp, "camvid-list");
  mkdirSync(camvid, { recursive: true });
  writeFileSync(join(camvid, "train.txt"), "train/a.png\n");
  assert.throws(() => build("dataset", { type: "camvid", root: camvid }), /train\.txt line 1 should be "image label"/);
});

test("a broken classes.json names the file", async () => {
  const root = join(tmp, "folder-bad");
  await writeImage(join(root, "images/a.png"), W, H);
  writeFileSync(join(root, "classes.json"), "{ nope");
  assert.throws(() => build("dataset", { type: "folder", root }), /cannot read class file .*classes\.json/);
  writeFileSync(join(root, "classes.json"), JSON.stringify({ classes: ["a", "b"], palette: [[0, 0, 0]] }));
  assert.throws(() => build("dataset", { type: "folder", root }), /classes\.json: "palette" must have one \[r, g, b\] per class \(2\)/);
});

test("unknown dataset keys and bad values name the key", () => {
  assert.throws(() => build("dataset", { type: "camvid", roots: "/x" }), /dataset \(dataset "camvid"\): unknown key "roots".*root/);
  assert.throws(() => build("dataset", { type: "synthetic", size: [0, 4] }), /"length" and "size" must be positive integers/);
  assert.throws(() => new DataLoader({ dataset: { type: "synthetic" }, batchSize: 0 }), /loader: "batchSize" must be a positive integer/);
});

test("skipBad: missing files are left out with a warning naming them, and counted", async () => {
  const root = await binaryFolder(3);
  rmSync(join(root, "masks/p1.png"));
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (m: string) => warnings.push(m);
  try {
    const d = open(root, { skipBad: true });
    assert.equal(d.length, 2);
    assert.equal(d.skipped.length, 1);
    assert.match(d.skipped[0].file, /masks\/p1\.png$/);
    assert.match(warnings[0], /binary: skipping .*images\/p1\.png: .*masks\/p1\.png does not exist/);
  } finally {
    console.warn = original;
  }
});

test("skipBad in the loader: an undecodable sample is left out of its batch, warned about by file, counted", async () => {
  const root = await binaryFolder(4);
  writeFileSync(join(root, "images/p2.png"), "garbage");
  const warnings: string[] = [];
  const dataset = { type: "binary", root };
  const strict = new DataLoader({ dataset, batchSize: 4 });
  await assert.rejects(async () => {
    for await (const b of strict.epoch()) b.images.dispose();
  }, /cannot decode image .*p2\.png/);
  const loader = new DataLoader({ dataset, batchSize: 4, skipBad: true, workers: 1, warn: (m) => warnings.push(m) });
  const sizes: number[] = [];
  for await (const b of loader.epoch()) {
    sizes.push(b.images.shape[0]);
    assert.ok(b.meta.every((m) => !m.file.endsWith("p2.png")));
    b.images.dispose();
    b.labels.dispose();
  }
  await loader.close();
  assert.deepEqual(sizes, [3]);
  assert.equal(loader.skipped.length, 1);
  assert.equal(loader.skipped[0].index, 2);
  assert.match(warnings[0], /skipping sample 2: cannot decode image .*p2\.png/);
});
