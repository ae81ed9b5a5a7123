// The panoptic readers on tiny fixtures (test/fixtures/panoptic/make_fixtures.py): COCO panoptic
// PNG ids and segments against what panopticapi's rgb2id and numpy read; Cityscapes instanceIds
// against cityscapesScripts' own conversion to COCO panoptic format (which the COCO reader then
// reads back the same). Bad files and keys give errors naming the file and key.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { build } from "../src/config/registry.js";
import "../src/data/datasets/index.js";
import { CityscapesPanopticDataset } from "../src/data/datasets/cityscapes-panoptic.js";
import { CocoPanopticDataset, type CocoPanopticFiles } from "../src/data/datasets/coco-panoptic.js";
import type { SegmentInfo } from "../src/data/segments/types.js";

const fixtures = fileURLToPath(new URL("../../test/fixtures/panoptic/", import.meta.url));
const coco = join(fixtures, "coco");
const cityscapes = join(fixtures, "cityscapes");
const scratch = mkdtempSync(join(tmpdir(), "segkit-panoptic-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Expected {
  image: string;
  segments: SegmentInfo[];
  label: number[];
}

test("COCO panoptic: ids, categories, crowd flags, areas, boxes and labels equal panopticapi's reading", async () => {
  const dataset = build<CocoPanopticDataset>("dataset", { type: "coco_panoptic", root: coco, split: "val" });
  assert.deepEqual(dataset.classes, ["person", "car", "sky", "grass"]);
  assert.deepEqual(dataset.isThing, [true, true, false, false]);
  assert.deepEqual(dataset.palette.slice(0, 3), [[220, 20, 60], [0, 0, 142], [70, 130, 180]]);
  const expected = JSON.parse(readFileSync(join(coco, "expected.json"), "utf8")) as Expected[];
  assert.equal(dataset.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const s = await dataset.raw(i);
    assert.ok(dataset.file(i).endsWith(expected[i].image));
    assert.deepEqual(s.panoptic.segments, expected[i].segments, expected[i].image);
    assert.deepEqual([...s.label], expected[i].label, expected[i].image);
    assert.equal(s.panoptic.ids.length, s.width * s.height);
  }
  // Ids above 255 and 65535 need the G and B channels.
  assert.ok((await dataset.raw(0)).panoptic.ids.includes(70000));
});

test("Cityscapes instanceIds: segments equal cityscapesScripts' createPanopticImgs (trainIds), crowd and void included", async () => {
  const dataset = build<CityscapesPanopticDataset>("dataset", { type: "cityscapes_panoptic", root: cityscapes, split: "val" });
  const converted = JSON.parse(readFileSync(join(cityscapes, "converted", "cityscapes_panoptic_val_trainId.json"), "utf8")) as {
    annotations: { segments_info: { id: number; category_id: number; iscrowd: number; area: number; bbox: number[] }[] }[];
  };
  const s = await dataset.raw(0);
  const reference = converted.annotations[0].segments_info;
  const mine = [...s.panoptic.segments].sort((a, b) => a.id - b.id);
  assert.deepEqual(
    mine.map((seg) => ({ id: seg.id, category_id: seg.category, iscrowd: seg.iscrowd ? 1 : 0, area: seg.area, bbox: seg.bbox })),
    [...reference].sort((a, b) => a.id - b.id),
  );
  assert.ok(mine.some((seg) => seg.iscrowd) && mine.some((seg) => seg.isThing && !seg.iscrowd), "the fixture has crowd and single things");
  assert.equal(s.label[7], 255, "unlabeled is void");
  assert.equal(s.panoptic.ids[7], 0);
  // The converted files read through the COCO panoptic reader give the same sample (the converter
  // names the image X_gtFine_leftImg8bit.png, so the image is copied under that name).
  const imageDir = join(scratch, "converted-images");
  cpSync(join(cityscapes, "leftImg8bit", "val", "zurich", "zurich_000000_000019_leftImg8bit.png"), join(imageDir, "zurich_000000_000019_gtFine_leftImg8bit.png"));
  const viaCoco = new CocoPanopticDataset({
    annotations: join(cityscapes, "converted", "cityscapes_panoptic_val_trainId.json"),
    imageDir,
    pngDir: join(cityscapes, "converted", "cityscapes_panoptic_val_trainId"),
  });
  const again = await viaCoco.raw(0);
  assert.deepEqual(again.panoptic.ids, s.panoptic.ids);
  assert.deepEqual(again.label, s.label);
  assert.deepEqual(viaCoco.classes, dataset.classes);
  assert.deepEqual(viaCoco.isThing, dataset.isThing);
});

interface PanopticJson {
  annotations: { image_id: number; file_name: string; segments_info: Record<string, unknown>[] }[];
  [key: string]: unknown;
}

/** A copy of the COCO fixture whose JSON `edit` changes; returns the files. */
function cocoCopy(name: string, edit: (json: PanopticJson) => void): CocoPanopticFiles {
  const root = join(scratch, name);
  cpSync(coco, root, { recursive: true });
  const annotations = join(root, "annotations", "panoptic_val.json");
  const json = JSON.parse(readFileSync(annotations, "utf8"));
  edit(json);
  writeFileSync(annotations, JSON.stringify(json));
  return { annotations, imageDir: join(root, "val"), pngDir: join(root, "annotations", "panoptic_val") };
}

test("bad COCO panoptic files: errors name the file and key", async () => {
  const broken = cocoCopy("broken", () => {});
  writeFileSync(broken.annotations, "{\"images\": [");
  assert.throws(() => new CocoPanopticDataset(broken), /annotation file .*broken.*panoptic_val\.json is not valid JSON/);
  assert.throws(() => new CocoPanopticDataset(cocoCopy("no-annotations", (j) => Reflect.deleteProperty(j, "annotations"))), /panoptic_val\.json\.annotations must be an array, got nothing/);
  assert.throws(() => new CocoPanopticDataset(cocoCopy("bad-category", (j) => (j.annotations[1].segments_info[0].category_id = 99))),
    /panoptic_val\.json\.annotations\[1\]\.segments_info\[0\]\.category_id 99 is not in categories/);
  assert.throws(() => new CocoPanopticDataset(cocoCopy("bad-image-id", (j) => (j.annotations[0].image_id = 5))), /annotations\[0\]\.image_id 5 is not in images/);
  assert.throws(() => new CocoPanopticDataset(cocoCopy("twice", (j) => j.annotations[0].segments_info.push({ id: 5, category_id: 1 }))),
    /annotations\[0\]\.segments_info\[5\]\.id 5 must be a positive id listed once per image/);
  const noImage = cocoCopy("no-image", () => {});
  rmSync(join(noImage.imageDir, "b.png"));
  assert.throws(() => new CocoPanopticDataset(noImage), /image .*no-image.*b\.png \(.*annotations\[1\]\) does not exist/);

  const unlisted = new CocoPanopticDataset(cocoCopy("unlisted", (j) => j.annotations[0].segments_info.splice(1, 1)));
  await assert.rejects(unlisted.raw(0), /panoptic_val[/\\]a\.png: segment id 5 at \(x=1, y=1\) is not listed in .*annotations\[0\]\.segments_info/);
  const absent = new CocoPanopticDataset(cocoCopy("absent", (j) => j.annotations[1].segments_info.push({ id: 999, category_id: 3 })));
  await assert.rejects(absent.raw(1), /annotations\[1\]\.segments_info lists segment id 999, not present in .*b\.png/);
  const swapped = new CocoPanopticDataset(cocoCopy("swapped", (j) => (j.annotations[1].file_name = "a.png")));
  await assert.rejects(swapped.raw(1), /size mismatch: image .*b\.png is 5×4 but panoptic PNG .*a\.png is 8×6/);
  const grey = cocoCopy("grey", () => {});
  await sharp(Buffer.alloc(20), { raw: { width: 5, height: 4, channels: 1 } }).toColourspace("b-w").png().toFile(join(grey.pngDir, "b.png"));
  await assert.rejects(new CocoPanopticDataset(grey).raw(1), /cannot decode panoptic PNG .*b\.png: segment ids are stored as 8-bit RGB, but this PNG has colour type 0/);
});

test("bad Cityscapes instanceIds: a value with no Cityscapes label is named with its pixel", async () => {
  const root = join(scratch, "cityscapes");
  cpSync(cityscapes, root, { recursive: true });
  const ids = join(root, "gtFine", "val", "zurich", "zurich_000000_000019_gtFine_instanceIds.png");
  const values = Buffer.alloc(48, 7);
  values[10] = 40;
  await sharp(values, { raw: { width: 8, height: 6, channels: 1 } }).toColourspace("b-w").png().toFile(ids);
  const dataset = build<CityscapesPanopticDataset>("dataset", { type: "cityscapes_panoptic", root, split: "val" });
  await assert.rejects(dataset.raw(0), /instanceIds\.png: value 40 at \(x=2, y=1\) has labelId 40, which is no Cityscapes label/);
  rmSync(ids);
  assert.throws(() => build("dataset", { type: "cityscapes_panoptic", root, split: "val" }), /cityscapes_panoptic: .*instanceIds\.png does not exist/);
});
