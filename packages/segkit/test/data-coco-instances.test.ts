// The COCO instances reader on a tiny fixture (test/fixtures/coco-instances/make_fixtures.py):
// every instance mask equals pycocotools' COCO.annToMask (polygons, a two-part polygon, a polygon
// past the border, uncompressed and compressed RLE); bad annotations name the file and key.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "../src/config/registry.js";
import "../src/data/datasets/index.js";
import { CocoInstancesDataset, type CocoInstancesFiles } from "../src/data/datasets/coco-instances.js";

const fixture = fileURLToPath(new URL("../../test/fixtures/coco-instances/", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "segkit-instances-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Expected {
  id: number;
  image_id: number;
  category_id: number;
  iscrowd: number;
  mask: number[];
}

test("masks, categories and crowd flags equal pycocotools' annToMask; the label map is the last covering instance's class", async () => {
  const dataset = build<CocoInstancesDataset>("dataset", { type: "coco_instances", annotations: join(fixture, "instances_val.json"), imageDir: join(fixture, "val") });
  assert.deepEqual(dataset.classes, ["bicycle", "dog", "bottle"]);
  assert.deepEqual(dataset.isThing, [true, true, true]);
  const expected = JSON.parse(readFileSync(join(fixture, "expected.json"), "utf8")) as Expected[];
  const categoryIndex = new Map([[2, 0], [18, 1], [44, 2]]);
  let seen = 0;
  for (let i = 0; i < dataset.length; i++) {
    const s = await dataset.raw(i);
    const imageId = [10, 11][i];
    const mine = expected.filter((e) => e.image_id === imageId);
    assert.deepEqual(s.instances.map((inst) => inst.id), mine.map((e) => e.id));
    const label = new Array<number>(s.width * s.height).fill(255);
    for (const [k, e] of mine.entries()) {
      const inst = s.instances[k];
      assert.deepEqual([...inst.mask], e.mask, `annotation ${e.id}`);
      assert.equal(inst.category, categoryIndex.get(e.category_id));
      assert.equal(inst.iscrowd, e.iscrowd === 1);
      assert.equal(inst.area, e.mask.reduce((a, b) => a + b, 0));
      const xs = e.mask.flatMap((m, p) => (m ? [p % s.width] : [])), ys = e.mask.flatMap((m, p) => (m ? [Math.floor(p / s.width)] : []));
      assert.deepEqual(inst.bbox, [Math.min(...xs), Math.min(...ys), Math.max(...xs) - Math.min(...xs) + 1, Math.max(...ys) - Math.min(...ys) + 1]);
      e.mask.forEach((m, p) => m && (label[p] = inst.category));
      seen++;
    }
    assert.deepEqual([...s.label], label);
  }
  assert.equal(seen, expected.length);
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the edits reach into arbitrary JSON
function copy(name: string, edit: (json: Record<string, any>) => void): CocoInstancesFiles {
  const root = join(scratch, name);
  cpSync(fixture, root, { recursive: true });
  const annotations = join(root, "instances_val.json");
  const json = JSON.parse(readFileSync(annotations, "utf8"));
  edit(json);
  writeFileSync(annotations, JSON.stringify(json));
  return { annotations, imageDir: join(root, "val") };
}

test("bad annotations: errors name the file and key", async () => {
  const broken = copy("broken", () => {});
  writeFileSync(broken.annotations, "{]");
  assert.throws(() => new CocoInstancesDataset(broken), /instances_val\.json is not valid JSON/);
  assert.throws(() => new CocoInstancesDataset(copy("category", (j) => (j.annotations[2].category_id = 7))), /instances_val\.json\.annotations\[2\]\.category_id 7 is not in categories/);
  assert.throws(() => new CocoInstancesDataset(copy("image", (j) => (j.annotations[0].image_id = 99))), /annotations\[0\]\.image_id 99 is not in images/);
  assert.throws(() => new CocoInstancesDataset(copy("no-segmentation", (j) => delete j.annotations[1].segmentation)), /annotations\[1\]\.segmentation is missing/);
  const missing = copy("missing", () => {});
  rmSync(join(missing.imageDir, "q.png"));
  assert.throws(() => new CocoInstancesDataset(missing), /image .*missing.*q\.png .* does not exist/);

  const odd = new CocoInstancesDataset(copy("odd", (j) => j.annotations[0].segmentation[0].pop()));
  await assert.rejects(odd.raw(0), /annotations\[0\]\.segmentation\[0\] must be x, y pairs \(at least 3\)/);
  const size = new CocoInstancesDataset(copy("size", (j) => (j.annotations[3].segmentation.size = [9, 7])));
  await assert.rejects(size.raw(1), /annotations\[3\]\.segmentation\.size \[9,7\] is not the image's \[10,7\]/);
  const counts = new CocoInstancesDataset(copy("counts", (j) => (j.annotations[2].segmentation.counts = [3, 4])));
  await assert.rejects(counts.raw(0), /annotations\[2\]\.segmentation\.counts add up to 7 pixels, not 9×12 = 108/);
  const kind = new CocoInstancesDataset(copy("kind", (j) => (j.annotations[4].segmentation = "abc")));
  await assert.rejects(kind.raw(1), /annotations\[4\]\.segmentation must be polygons \(\[\[x, y, …\], …\]\) or an RLE \(\{ size, counts \}\)/);
});
