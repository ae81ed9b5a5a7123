// The synthetic panoptic scenes: the semantic scenes' shapes as thing instances over sky/ground
// stuff. Segments match the id map (areas, tight boxes, categories, thing flags), the shapes are
// where the semantic generator draws them for the same seed, and the format is registered.
import assert from "node:assert/strict";
import { test } from "node:test";
import { build } from "../src/config/registry.js";
import "../src/data/datasets/index.js";
import { SyntheticDataset } from "../src/data/datasets/synthetic.js";
import { SYNTHETIC_PANOPTIC_CLASSES, SyntheticPanopticDataset } from "../src/data/datasets/synthetic-panoptic.js";

const SIZE: [number, number] = [40, 52];
const panoptic = new SyntheticPanopticDataset(12, SIZE, 3);
const semantic = new SyntheticDataset(12, SIZE, 3);

test("segments describe the id map: area, tight box, category and thing flag of each id", async () => {
  let things = 0;
  for (let i = 0; i < panoptic.length; i++) {
    const s = await panoptic.raw(i);
    const { ids, segments } = s.panoptic;
    assert.equal(new Set(segments.map((seg) => seg.id)).size, segments.length, "ids are unique");
    for (const seg of segments) {
      let area = 0, x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
      for (let p = 0; p < ids.length; p++) {
        if (ids[p] !== seg.id) continue;
        const x = p % SIZE[1], y = Math.floor(p / SIZE[1]);
        area++;
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
        assert.equal(s.label[p], seg.category, `sample ${i}: label under segment ${seg.id}`);
      }
      assert.equal(seg.area, area, `sample ${i} segment ${seg.id}`);
      assert.deepEqual(seg.bbox, [x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
      assert.equal(seg.isThing, seg.category >= 2, "sky and ground are stuff, shapes things");
      assert.equal(seg.isThing, seg.id > 2, "stuff ids are 1 and 2");
      if (seg.isThing) things++;
    }
    assert.ok(ids.every((id) => id !== 0), "no void in synthetic scenes");
    assert.ok(segments.some((seg) => seg.category === 0) && segments.some((seg) => seg.category === 1), `sample ${i} has sky and ground`);
  }
  assert.ok(things >= panoptic.length * 3, `${things} thing segments in ${panoptic.length} scenes`);
});

test("the shapes are the semantic scenes' shapes: same pixels, class shifted past the two stuff classes", async () => {
  for (let i = 0; i < 4; i++) {
    const [p, s] = [await panoptic.raw(i), await semantic.raw(i)];
    for (let k = 0; k < s.label.length; k++) {
      assert.equal(p.panoptic.ids[k] > 2, s.label[k] !== 0, `sample ${i} pixel ${k}`);
      if (s.label[k] !== 0) assert.equal(SYNTHETIC_PANOPTIC_CLASSES[p.label[k]], semantic.classes[s.label[k]]);
    }
  }
});

test("two instances of one class get different ids; samples repeat by seed and differ by index", async () => {
  let twins = 0;
  for (let i = 0; i < panoptic.length; i++) {
    const { segments } = (await panoptic.raw(i)).panoptic;
    const byClass = new Map<number, number>();
    for (const seg of segments.filter((t) => t.isThing)) byClass.set(seg.category, (byClass.get(seg.category) ?? 0) + 1);
    if ([...byClass.values()].some((n) => n > 1)) twins++;
  }
  assert.ok(twins > 0, "no scene has two instances of a class");
  const again = new SyntheticPanopticDataset(12, SIZE, 3).draw(5);
  assert.deepEqual(again, panoptic.draw(5));
  assert.notDeepEqual(panoptic.draw(6).panoptic.ids, again.panoptic.ids);
});

test("synthetic_panoptic is a registered dataset format; bad options name the key", () => {
  const built = build<SyntheticPanopticDataset>("dataset", { type: "synthetic_panoptic", length: 3, size: [16, 24], seed: 1 });
  assert.equal(built.length, 3);
  assert.deepEqual(built.isThing, [false, false, true, true, true, true]);
  assert.equal(built.draw(0).panoptic.ids.length, 16 * 24);
  assert.throws(() => build("dataset", { type: "synthetic_panoptic", size: [16] }), /"size" must be a pair of numbers/);
  assert.throws(() => build("dataset", { type: "synthetic_panoptic", colours: 3 }), /unknown key "colours"/);
  assert.rejects(built.raw(3), /synthetic_panoptic: sample 3 is outside 0\.\.2/);
});
