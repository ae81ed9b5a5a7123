// `segkit eval --task instance` against pycocotools' COCOeval (fixtures/coco-eval/make_fixtures.py
// records the checkout): on small synthetic ground truth (polygons, compressed and uncompressed RLE,
// crowds, a category without objects) and results (ties, wrong classes, more than 100 detections in
// one image), the 12 stats, AP per category, the recall array and precision averaged over recall
// points agree to 1e-6 for masks, masks with boxes (box areas) and boxes. Bad files name file and key.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { COCO_IOU_THRESHOLDS, COCO_RECALL_THRESHOLDS, COCO_STAT_NAMES, type CocoIouType } from "@segkit/metrics";
import { instanceReport } from "../src/cli/eval-coco.js";
import { evaluateCocoInstances } from "../src/engine/coco-instance-eval.js";

const run = promisify(execFile);
const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const fixture = fileURLToPath(new URL("../../test/fixtures/coco-eval/", import.meta.url));
const gt = join(fixture, "instances.json");
const scratch = mkdtempSync(join(tmpdir(), "segkit-coco-eval-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  file: string;
  iouType: CocoIouType;
  stats: number[];
  perCategory: { categoryId: number; ap: number }[];
  recall: number[];
  precisionMeanOverRecall: number[];
}
const expected = JSON.parse(readFileSync(join(fixture, "expected.json"), "utf8")) as Record<string, Run> & { iouThrs: number[]; recThrs: number[] };

function close(actual: number, wanted: number, what: string): void {
  assert.ok(Math.abs(actual - wanted) <= 1e-6, `${what}: ${actual} vs pycocotools ${wanted}`);
}

test("IoU and recall thresholds are the very numbers numpy's linspace gives pycocotools", () => {
  assert.deepEqual(COCO_IOU_THRESHOLDS, expected.iouThrs);
  assert.deepEqual(COCO_RECALL_THRESHOLDS, expected.recThrs);
});

for (const name of ["segm", "segm_boxes", "bbox"]) {
  test(`${name}: stats, AP per category, recall and precision equal COCOeval's to 1e-6`, () => {
    const want = expected[name];
    const { result } = evaluateCocoInstances(gt, join(fixture, want.file), want.iouType);
    COCO_STAT_NAMES.forEach((stat, i) => close(result.stats[stat], want.stats[i], stat));
    assert.ok(want.stats.every((v) => v > 0 && v < 1), "the fixture exercises every stat");
    assert.deepEqual(result.perCategory.map((c) => c.categoryId), want.perCategory.map((c) => c.categoryId));
    result.perCategory.forEach((c, k) => close(c.ap, want.perCategory[k].ap, `AP of category ${c.categoryId}`));
    assert.equal(result.recall.length, want.recall.length);
    result.recall.forEach((v, i) => close(v, want.recall[i], `recall[${i}]`));
    const R = COCO_RECALL_THRESHOLDS.length;
    const cells = want.precisionMeanOverRecall.length; // T·K·A·M, recall points averaged
    const inner = cells / COCO_IOU_THRESHOLDS.length;
    for (let i = 0; i < cells; i++) {
      const t = Math.floor(i / inner), rest = i % inner;
      let sum = 0;
      for (let r = 0; r < R; r++) sum += result.precision[(t * R + r) * inner + rest];
      close(result.precision[t * R * inner + rest] === -1 ? -1 : sum / R, want.precisionMeanOverRecall[i], `precision cell ${i}`);
    }
  });
}

test("segkit eval --task instance --json prints the same stats; the text report too", async () => {
  const { stdout } = await run(process.execPath, [cli, "eval", "--task", "instance", "--gt", gt, "--pred", join(fixture, "results_bbox.json"), "--iou-type", "bbox", "--json"]);
  const out = JSON.parse(stdout) as { stats: Record<string, number>; perCategory: { name: string; ap: number }[]; images: number };
  COCO_STAT_NAMES.forEach((stat, i) => close(out.stats[stat], expected.bbox.stats[i], stat));
  assert.deepEqual(out.perCategory.map((c) => c.name), ["person", "car", "dog", "kite"]);
  assert.equal(out.perCategory[3].ap, -1); // kite has no ground truth
  assert.equal(out.images, 4);
  const text = instanceReport(gt, join(fixture, "results_segm.json"), "segm", false);
  assert.match(text, new RegExp(`^AP50 +AP @\\[IoU=0\\.50 \\| area=all \\| maxDets=100\\] +${expected.segm.stats[1].toFixed(4)}$`, "m"));
});

/** A copy of a fixture file with `edit` applied; returns its path. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the edits reach into arbitrary JSON
function edited(file: string, edit: (json: any) => void, name = file): string {
  const json = JSON.parse(readFileSync(join(fixture, file), "utf8"));
  edit(json);
  const out = join(scratch, name);
  writeFileSync(out, JSON.stringify(json));
  return out;
}

test("malformed files, unknown ids and wrong sizes are refused, naming file and key", async () => {
  const results = join(fixture, "results_segm.json");
  const broken = join(scratch, "broken.json");
  writeFileSync(broken, "{\"images\": [");
  assert.throws(() => evaluateCocoInstances(broken, results, "segm"), /--gt: annotation file .*broken\.json is not valid JSON/);
  assert.throws(() => evaluateCocoInstances(gt, edited("instances.json", () => {}, "object.json"), "segm"), /results file .*object\.json must hold a JSON array of detections/);
  assert.throws(() => evaluateCocoInstances(gt, edited("results_segm.json", (j) => (j[3].image_id = 999)), "segm"), /results_segm\.json\[3\]\.image_id 999 is not in .*instances\.json images/);
  assert.throws(() => evaluateCocoInstances(gt, edited("results_segm.json", (j) => (j[0].category_id = 77)), "segm"), /results_segm\.json\[0\]\.category_id 77 is not in .*instances\.json categories/);
  assert.throws(() => evaluateCocoInstances(gt, edited("results_segm.json", (j) => (j[1].score = "high")), "segm"), /results_segm\.json\[1\]\.score must be a finite number, got "high"/);
  assert.throws(() => evaluateCocoInstances(gt, edited("results_segm.json", (j) => (j[2].segmentation.size = [1, 1])), "segm"), /results_segm\.json\[2\]\.segmentation\.size \[1,1\] is not the image's \[\d+,\d+\]/);
  assert.throws(() => evaluateCocoInstances(gt, edited("results_segm.json", (j) => (j[2].segmentation.counts = "0~")), "segm"), /results_segm\.json\[2\]\.segmentation\.counts: character 1 "~" is not in '0'\.\.'o'/);
  assert.throws(() => evaluateCocoInstances(gt, edited("results_bbox.json", (j) => (j[4].bbox = [1, 2, 3])), "bbox"), /results_bbox\.json\[4\]\.bbox must be a box \[x, y, width, height\], got \[1,2,3\]/);
  assert.throws(() => evaluateCocoInstances(edited("instances.json", (j) => (j.annotations[0].category_id = 77)), results, "segm"), /instances\.json\.annotations\[0\]\.category_id 77 is not in categories/);
  assert.throws(() => evaluateCocoInstances(edited("instances.json", (j) => (j.annotations[2].image_id = 5)), results, "segm"), /instances\.json\.annotations\[2\]\.image_id 5 is not in .*instances\.json images/);
  assert.throws(() => evaluateCocoInstances(edited("instances.json", (j) => (j.annotations[1].id = 0)), results, "segm"), /annotations\[1\]\.id 0 must be a positive id listed once/);
  assert.throws(() => evaluateCocoInstances(edited("instances.json", (j) => delete j.annotations[1].area), results, "segm"), /annotations\[1\]\.area must be a finite number, got nothing/);
  assert.throws(() => evaluateCocoInstances(edited("instances.json", (j) => (j.annotations[0].segmentation = "x")), results, "segm"), /annotations\[0\]\.segmentation must be polygons/);

  const cliFails = async (...args: string[]) => {
    const failure = await run(process.execPath, [cli, "eval", "--task", "instance", "--gt", gt, ...args]).then(() => assert.fail("segkit eval succeeded"), (e: { stderr: string }) => e.stderr);
    assert.match(failure, /^segkit: /);
    return failure;
  };
  assert.match(await cliFails("--pred", results, "--format", "csv"), /--format csv: --task instance writes text or json/);
});

