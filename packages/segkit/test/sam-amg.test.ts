// SamAutomaticMaskGenerator against the authors' (fixtures/sam_make_golden.py: seeded reduced SAM,
// 8 points per side, one crop layer with 4×4 points, lowered thresholds, small-region removal,
// uncompressed RLE): the same masks in the same order, with equal RLEs, boxes, areas, points and crop
// boxes and scores within 1e-4. Box NMS keeps what torchvision's batched_nms keeps (tied scores
// included); small islands and holes are removed as OpenCV's 8-connected components define them.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { rleArea, rleDecode } from "@segkit/metrics";
import { SamAutomaticMaskGenerator, SamPredictor, masksToRle, type AutomaticMaskOptions } from "../src/models/sam/index.js";
import { nms as boxNms } from "../src/models/detection/nms.js";
import { removeSmallRegions } from "../src/models/sam/small-regions.js";
import { reducedSam, samGolden } from "./fixtures/sam_fixture.js";

torch.setNumThreads(1);
const { tensors: golden, metadata } = samGolden;

interface ReferenceRecord {
  segmentation: { size: [number, number]; counts: number[] };
  area: number;
  bbox: number[];
  predicted_iou: number;
  point_coords: number[][];
  stability_score: number;
  crop_box: number[];
}

/** The reference's snake_case options in this API's names. */
function options(reference: Record<string, number | string>): AutomaticMaskOptions {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(reference)) {
    if (key === "output_mode") continue;
    out[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = value as number;
  }
  return out;
}

test("the same masks as the reference's generator, in the same order", () => {
  const start = torch.liveTensors();
  const sam = reducedSam();
  const expected = JSON.parse(metadata["amg.records"]) as ReferenceRecord[];
  const generator = new SamAutomaticMaskGenerator(sam, options(JSON.parse(metadata["amg.options"]) as Record<string, number>));
  const records = generator.generate(golden.get("image")!);
  assert.ok(expected.length >= 5, "the fixture has several masks");
  assert.equal(records.length, expected.length);
  records.forEach((r, i) => {
    const e = expected[i];
    assert.deepEqual(r.segmentation, e.segmentation, `mask ${i}: RLE`);
    assert.equal(r.area, e.area, `mask ${i}: area`);
    assert.deepEqual(r.bbox, e.bbox, `mask ${i}: box`);
    assert.deepEqual(r.cropBox, e.crop_box, `mask ${i}: crop box`);
    assert.deepEqual(r.pointCoords, e.point_coords, `mask ${i}: point`);
    assert.ok(Math.abs(r.predictedIou - e.predicted_iou) <= 1e-4, `mask ${i}: predicted IoU ${r.predictedIou} vs ${e.predicted_iou}`);
    assert.ok(Math.abs(r.stabilityScore - e.stability_score) <= 1e-4, `mask ${i}: stability ${r.stabilityScore} vs ${e.stability_score}`);
    assert.equal(rleArea(r.segmentation), rleDecode(r.segmentation).reduce((a, b) => a + b, 0));
  });
  generator.dispose();
  sam.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("segment everything on a clicked image reuses the predictor's embedding: the encoder runs once", () => {
  const start = torch.liveTensors();
  const sam = reducedSam();
  const embed = sam.embed.bind(sam);
  let encoderRuns = 0;
  sam.embed = (x) => (encoderRuns++, embed(x));
  const image = golden.get("image")!;
  const thresholds = { ...options(JSON.parse(metadata["amg.options"]) as Record<string, number>), cropNLayers: 0 };
  const fresh = new SamAutomaticMaskGenerator(sam, thresholds);
  const expected = fresh.generate(image);
  assert.equal(encoderRuns, 1, "a generator alone encodes the image");
  assert.ok(expected.length >= 2, "the whole-image crop finds masks");

  encoderRuns = 0;
  const predictor = new SamPredictor(sam);
  predictor.setImage(image);
  const click = predictor.predict({ points: [{ x: 10, y: 12, label: 1 }] });
  for (const t of [click.logits, click.iou, click.lowRes]) t.dispose();
  const generator = new SamAutomaticMaskGenerator(sam, thresholds);
  assert.deepEqual(generator.generate(image, predictor), expected, "the same masks as encoding again");
  assert.equal(encoderRuns, 1, "setImage encoded; the click and segment everything did not");
  assert.ok(predictor.hasImage, "the predictor keeps its embedding for the next click");

  const other = new SamPredictor(sam);
  const strip = torch.tidy(() => image.slice(0, 0, 20).contiguous());
  other.setImage(strip);
  strip.dispose();
  assert.throws(() => generator.generate(image, other), /encoded must be a predictor of this model set to this/);
  for (const owned of [fresh, generator, predictor, other]) owned.dispose();
  sam.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("box NMS keeps what torchvision's batched_nms keeps, tied scores included", () => {
  const keep = boxNms(golden.get("nms.boxes")!, golden.get("nms.scores")!, 0.5);
  assert.deepEqual(keep, golden.get("nms.keep")!.toArray());
});

test("RLE round trip, column-major runs starting with background", () => {
  const mask = torch.tensor([[[0, 1, 1], [0, 1, 0]]], { dtype: "bool" });
  const [rle] = masksToRle(mask);
  assert.deepEqual(rle, { size: [2, 3], counts: [2, 3, 1] });
  assert.deepEqual([...rleDecode(rle)], [0, 1, 1, 0, 1, 0]);
  mask.dispose();
});

test("small islands are removed and small holes filled (8-connected); all-small keeps the largest", () => {
  // 6×6: a 3×3 block with a one-pixel hole at its centre, and a 2-pixel diagonal island.
  const mask = Uint8Array.from([
    1, 1, 1, 0, 0, 0,
    1, 0, 1, 0, 0, 0,
    1, 1, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 1, 0,
    0, 0, 0, 0, 0, 1,
  ]);
  const holes = removeSmallRegions(mask, [6, 6], 3, "holes");
  assert.ok(holes.changed);
  assert.equal(holes.mask[7], 1, "the hole is filled");
  const islands = removeSmallRegions(holes.mask, [6, 6], 3, "islands");
  assert.ok(islands.changed);
  assert.equal(islands.mask[28] + islands.mask[35], 0, "the diagonal island is gone");
  assert.equal(islands.mask.reduce((a, b) => a + b, 0), 9);
  const largest = removeSmallRegions(mask, [6, 6], 100, "islands");
  assert.equal(largest.mask.reduce((a, b) => a + b, 0), 8, "only the largest island stays");
  assert.deepEqual(removeSmallRegions(islands.mask, [6, 6], 3, "islands"), { mask: islands.mask, changed: false });
});

test("unknown options and bad images are refused, naming them", () => {
  const sam = reducedSam();
  assert.throws(() => new SamAutomaticMaskGenerator(sam, { pointsPerSid: 4 } as AutomaticMaskOptions), /unknown option "pointsPerSid"/);
  assert.throws(() => new SamAutomaticMaskGenerator(sam, { pointsPerSide: 0 }), /pointsPerSide must be a positive integer/);
  const generator = new SamAutomaticMaskGenerator(sam, { pointsPerSide: 2 });
  const gray = torch.zeros([8, 8], { dtype: "uint8" });
  assert.throws(() => generator.generate(gray), /expected an RGB uint8 image/);
  gray.dispose();
  sam.dispose();
});
