// Geometric transforms keep panoptic ids and instance masks consistent with the label map: flips
// mirror boxes, resizing samples ids by nearest neighbour (never blending two ids), crops drop the
// segments they leave empty and measure the rest again, and every transform of the pipeline leaves
// each pixel's label equal to its segment's category (ignore exactly on void).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Config } from "../src/config/registry.js";
import { SyntheticPanopticDataset } from "../src/data/datasets/synthetic-panoptic.js";
import { Rng } from "../src/data/rng.js";
import { idExtents } from "../src/data/segments/segment-stats.js";
import type { Instance, PanopticTarget } from "../src/data/segments/types.js";
import { buildPipeline } from "../src/data/transforms/pipeline.js";
import type { RawSample } from "../src/data/types.js";

const IGNORE = 255;
const scenes = new SyntheticPanopticDataset(3, [36, 44], 5);

/** A 4×6 scene by hand: stuff id 1 (class 0) with things 7 (class 1) and 9 (class 2); instances overlap. */
function handmade(): RawSample & { panoptic: PanopticTarget; instances: Instance[] } {
  const ids = Int32Array.from([
    1, 1, 1, 1, 1, 1,
    1, 7, 7, 1, 9, 9,
    1, 7, 7, 1, 1, 9,
    0, 0, 1, 1, 1, 1,
  ]);
  const category = new Map([[1, 0], [7, 1], [9, 2]]);
  const label = Uint8Array.from(ids, (id) => (id ? category.get(id)! : IGNORE));
  const mask = (cells: number[]): Uint8Array => Uint8Array.from({ length: 24 }, (_, p) => (cells.includes(p) ? 1 : 0));
  const info = (id: number, isThing: boolean) => ({ id, category: category.get(id)!, isThing, iscrowd: false, area: 0, bbox: [0, 0, 0, 0] as [number, number, number, number] });
  const segments = [info(1, false), info(7, true), info(9, true)];
  const extents = idExtents(ids, 6);
  return {
    width: 6, height: 4, pixels: new Uint8Array(72).map((_, k) => k), label, meta: { file: "handmade", size: [4, 6] },
    panoptic: { ids, segments: segments.map((s) => ({ ...s, ...extents.get(s.id)! })) },
    instances: [
      { ...info(7, true), mask: mask([7, 8, 13, 14]), area: 4, bbox: [1, 1, 2, 2] },
      { ...info(9, true), id: 10, mask: mask([8, 9, 10, 11]), area: 4, bbox: [2, 1, 4, 1] },
    ],
  };
}

function run(config: Config, s: RawSample, seed = 0): RawSample {
  return buildPipeline([config], IGNORE)(s, new Rng(seed));
}

/** Every pixel's label is its segment's category, ignore on void; areas and boxes are those of the pixels. */
function assertConsistent(s: RawSample, what: string): void {
  const { ids, segments } = s.panoptic!;
  assert.equal(ids.length, s.width * s.height, `${what}: id map size`);
  const category = new Map(segments.map((seg) => [seg.id, seg.category]));
  for (let p = 0; p < ids.length; p++) {
    const expected = ids[p] === 0 ? IGNORE : category.get(ids[p]);
    assert.equal(s.label[p], expected, `${what}: pixel ${p} has label ${s.label[p]} but id ${ids[p]}`);
  }
  const extents = idExtents(ids, s.width);
  assert.equal(extents.size, segments.length, `${what}: segments listed vs present`);
  for (const seg of segments) assert.deepEqual({ area: seg.area, bbox: seg.bbox }, extents.get(seg.id), `${what}: segment ${seg.id}`);
  for (const instance of s.instances ?? []) {
    assert.equal(instance.mask.length, ids.length, `${what}: mask size`);
    assert.deepEqual({ area: instance.area, bbox: instance.bbox }, idExtents(instance.mask, s.width).get(1), `${what}: instance ${instance.id}`);
  }
}

test("a horizontal flip mirrors ids, masks and boxes; a vertical one too", () => {
  const s = handmade();
  const flipped = run({ type: "random_flip", prob: 1 }, s);
  assertConsistent(flipped, "flip");
  for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) assert.equal(flipped.panoptic!.ids[y * 6 + x], s.panoptic.ids[y * 6 + 5 - x]);
  const box = (t: RawSample, id: number) => t.panoptic!.segments.find((seg) => seg.id === id)!.bbox;
  assert.deepEqual(box(flipped, 7), [3, 1, 2, 2]); // x' = W − x − w
  assert.deepEqual(box(flipped, 9), [0, 1, 2, 2]);
  assert.deepEqual(flipped.instances!.map((i) => i.bbox), [[3, 1, 2, 2], [0, 1, 4, 1]]);
  const vertical = run({ type: "random_flip", prob: 1, direction: "vertical" }, s);
  assertConsistent(vertical, "vertical flip");
  assert.deepEqual(box(vertical, 7), [1, 1, 2, 2]); // y' = H − y − h
  assert.deepEqual(vertical.instances!.map((i) => i.bbox), [[1, 1, 2, 2], [2, 2, 4, 1]]);
  assert.deepEqual(s.panoptic.ids, handmade().panoptic.ids, "the input is left as it was");
});

test("resizing picks ids by nearest neighbour: ×2 quadruples areas and doubles boxes, no new ids appear", () => {
  const s = handmade();
  const doubled = run({ type: "resize", scale: [12, 8], keepRatio: false }, s);
  assertConsistent(doubled, "resize ×2");
  for (const seg of doubled.panoptic!.segments) {
    const before = s.panoptic.segments.find((b) => b.id === seg.id)!;
    assert.equal(seg.area, before.area * 4);
    assert.deepEqual(seg.bbox, before.bbox.map((v) => v * 2));
  }
  const odd = run({ type: "resize", scale: [5, 7], keepRatio: false }, s);
  assertConsistent(odd, "resize to 5×7");
  assert.ok([...new Set(odd.panoptic!.ids)].every((id) => [0, 1, 7, 9].includes(id)));
});

test("a crop drops the segments and instances it leaves empty and measures the rest in its window", () => {
  const s = handmade();
  // The window [0, 3) × [3, 6): thing 7 is outside, thing 9 inside, instance 10 partly.
  const crop = { type: "random_crop", size: [3, 3] };
  let out: RawSample | undefined;
  for (let seed = 0; seed < 200 && !out; seed++) {
    const candidate = run(crop, s, seed);
    if (candidate.panoptic!.ids[0] === 1 && candidate.panoptic!.ids[1] === 1 && candidate.panoptic!.ids[4] === 9 && candidate.panoptic!.ids[8] === 9) out = candidate;
  }
  assert.ok(out, "no seed placed the window at the top right");
  assertConsistent(out, "crop");
  assert.deepEqual(out.panoptic!.segments.map((seg) => [seg.id, seg.area, seg.bbox]), [[1, 6, [0, 0, 3, 3]], [9, 3, [1, 1, 2, 2]]]);
  assert.deepEqual(out.instances!.map((i) => [i.id, i.area, i.bbox]), [[10, 3, [0, 1, 3, 1]]]);
  const padded = run({ type: "pad", size: [6, 8] }, s);
  assertConsistent(padded, "pad");
  assert.equal(padded.panoptic!.ids[7 * 6 - 1], 0, "padding is void");
});

test("every geometric transform and the fused resize + crop keep labels, ids and masks consistent", () => {
  const configs: Config[] = [
    { type: "resize", scale: [60, 30], ratioRange: [0.5, 2] },
    { type: "random_crop", size: [30, 28], catMaxRatio: 0.75 },
    { type: "random_flip", prob: 1 },
    { type: "pad", divisor: 32 },
    { type: "random_rotate", prob: 1, degree: 40 },
    { type: "elastic_deform", prob: 1, sigma: 6 },
    { type: "mirror_pad", margin: 5 },
  ];
  for (let i = 0; i < scenes.length; i++) {
    const scene = scenes.draw(i);
    const withInstances: RawSample = {
      ...scene,
      instances: scene.panoptic.segments.filter((seg) => seg.isThing).map((seg) => ({ ...seg, mask: Uint8Array.from(scene.panoptic.ids, (id) => (id === seg.id ? 1 : 0)) })),
    };
    for (const config of configs) assertConsistent(run(config, withInstances, i), `${config.type} on scene ${i}`);
    const fused = buildPipeline([configs[0], configs[1]], IGNORE)(withInstances, new Rng(i));
    assertConsistent(fused, `resize + random_crop on scene ${i}`);
    // Each instance mask is still exactly its segment's pixels.
    for (const instance of fused.instances!) {
      const ids = fused.panoptic!.ids;
      assert.ok(instance.mask.every((m, p) => (m === 1) === (ids[p] === instance.id)), `instance ${instance.id}`);
    }
  }
});
