// COCO RLE against pycocotools' mask API (test/fixtures/coco_rle_make_fixtures.py records the
// checkout): encode, the compressed string both ways, decode, area, toBbox, merge, IoU with crowd
// flags, polygon and box rasterisation, box IoU — all exactly equal.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  boxIou,
  checkRle,
  rleArea,
  rleDecode,
  rleEncode,
  rleFromBox,
  rleFromPolygon,
  rleFromString,
  rleIou,
  rleMerge,
  rleToBbox,
  rleToString,
  type Box,
} from "../src/index.js";

interface Sized { height: number; width: number }
interface Fixture {
  masks: (Sized & { bits: string; counts: string; area: number; bbox: number[] })[];
  merges: (Sized & { masks: string[]; union: string; intersection: string })[];
  ious: (Sized & { detections: string[]; groundTruth: string[]; iscrowd: number[]; iou: number[][] })[];
  polygons: (Sized & { polygons: number[][]; counts: string[]; merged: string })[];
  boxes: (Sized & { boxes: Box[]; counts: string[]; groundTruth: Box[]; iscrowd: number[]; iou: number[][] })[];
}
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL("../../test/fixtures/coco_rle.json", import.meta.url)), "utf8")) as Fixture;

/** A row-major mask from numpy's packbits, base64. */
function unpack(b64: string, { height, width }: Sized): Uint8Array {
  const packed = Buffer.from(b64, "base64");
  return Uint8Array.from({ length: height * width }, (_, p) => (packed[p >> 3] >> (7 - (p & 7))) & 1);
}

const encode = (b64: string, s: Sized) => rleEncode(unpack(b64, s), s.height, s.width);

test("encode, compressed string, decode, area and toBbox equal pycocotools on random masks", () => {
  assert.ok(fixture.masks.some((m) => m.counts.length > 2 * m.area.toString().length)); // multi-character counts present
  for (const [i, m] of fixture.masks.entries()) {
    const mask = unpack(m.bits, m);
    const rle = rleEncode(mask, m.height, m.width);
    assert.equal(rleToString(rle), m.counts, `mask ${i}: string`);
    assert.deepEqual(rleFromString(m.counts, m.height, m.width), rle, `mask ${i}: string read back`);
    assert.deepEqual(rleDecode(rle), mask, `mask ${i}: decode`);
    assert.equal(rleArea(rle), m.area, `mask ${i}: area`);
    assert.deepEqual(rleToBbox(rle), m.bbox, `mask ${i}: bbox`);
  }
});

test("merge (union and intersection) equals pycocotools", () => {
  for (const [i, c] of fixture.merges.entries()) {
    const rles = c.masks.map((b) => encode(b, c));
    assert.equal(rleToString(rleMerge(rles)), c.union, `group ${i}: union`);
    assert.equal(rleToString(rleMerge(rles, true)), c.intersection, `group ${i}: intersection`);
  }
  assert.throws(() => rleMerge([rleEncode([1], 1, 1), rleEncode([1, 0], 1, 2)]), /RLE 1 is 1×2, not 1×1 as RLE 0/);
});

test("mask IoU with crowd flags equals pycocotools", () => {
  for (const [i, c] of fixture.ious.entries()) {
    const ious = rleIou(c.detections.map((b) => encode(b, c)), c.groundTruth.map((b) => encode(b, c)), c.iscrowd.map(Boolean));
    assert.deepEqual(ious, c.iou, `case ${i}`);
  }
  assert.ok(fixture.ious.some((c) => c.iscrowd.includes(1) && c.iou.flat().some((v) => v > 0 && v < 1)));
});

test("polygons rasterise as pycocotools' frPoly, parts merged as annToRLE merges them", () => {
  for (const [i, c] of fixture.polygons.entries()) {
    const rles = c.polygons.map((p) => rleFromPolygon(p, c.height, c.width));
    assert.deepEqual(rles.map(rleToString), c.counts, `polygon ${i}`);
    assert.equal(rleToString(rleMerge(rles)), c.merged, `polygon ${i}: merged`);
    for (const rle of rles) checkRle(rle, `polygon ${i}`);
  }
});

test("boxes rasterise as pycocotools' frBbox; box IoU with crowd flags equals bbIou", () => {
  for (const [i, c] of fixture.boxes.entries()) {
    assert.deepEqual(c.boxes.map((b) => rleToString(rleFromBox(b, c.height, c.width))), c.counts, `boxes ${i}`);
    assert.deepEqual(boxIou(c.boxes, c.groundTruth, c.iscrowd.map(Boolean)), c.iou, `boxes ${i}: iou`);
  }
});

test("malformed strings and counts are refused, naming the place", () => {
  assert.throws(() => rleFromString("3a{", 2, 2, "x.json: annotations[0].segmentation.counts"), /x\.json: annotations\[0\]\.segmentation\.counts: character 2 "\{" is not in '0'\.\.'o'/);
  assert.throws(() => rleFromString("3h", 2, 2), /the string ends inside a count/);
  assert.throws(() => rleFromString("0O", 2, 2), /count 1 decodes to -1, below 0/);
  assert.throws(() => checkRle({ size: [2, 3], counts: [1, 2] }, "seg"), /seg\.counts add up to 3 pixels, not 2×3 = 6/);
  assert.throws(() => checkRle({ size: [1, 2], counts: [1, -1, 2] }, "seg"), /seg\.counts\[1\] must be a non-negative integer, got -1/);
  assert.throws(() => rleDecode({ size: [2, 2], counts: [5] }), /add up to 5 pixels, not 2×2 = 4/);
  assert.throws(() => rleEncode([1, 0, 1], 2, 2), /mask has 3 pixels, not 2×2 = 4/);
});
