// `segkit eval --task panoptic` against panopticapi's pq_compute (fixtures/panoptic-eval/
// make_fixtures.py records the checkout): on small scenes with stuff, things, a crowd region, void
// pixels, merged, split, relabelled and spurious predictions, every category's TP/FP/FN equal
// panopticapi's and PQ/SQ/RQ (all, things, stuff, per category) agree to 1e-6. Bad input names
// the file and key.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import sharp from "sharp";
import { evaluateCocoPanoptic, type CocoPanopticFiles } from "../src/engine/coco-panoptic-eval.js";

const run = promisify(execFile);
const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const fixture = fileURLToPath(new URL("../../test/fixtures/panoptic-eval/", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "segkit-pq-eval-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Scores { pq: number; sq: number; rq: number }
interface Expected {
  results: Record<"All" | "Things" | "Stuff", Scores & { n: number }> & { per_class: Record<string, Scores> };
  counts: Record<string, { tp: number; fp: number; fn: number; iou: number }>;
}
const expected = JSON.parse(readFileSync(join(fixture, "expected.json"), "utf8")) as Expected;

function close(actual: number, wanted: number, what: string): void {
  assert.ok(Math.abs(actual - wanted) <= 1e-6, `${what}: ${actual} vs panopticapi ${wanted}`);
}

test("TP/FP/FN per category and PQ/SQ/RQ for all, things and stuff equal panopticapi's pq_compute", async () => {
  const { result, categories, images } = await evaluateCocoPanoptic({ gt: join(fixture, "gt.json"), pred: join(fixture, "pred.json") });
  assert.equal(images, 4);
  for (const [c, category] of categories.entries()) {
    const want = expected.counts[String(category.id)];
    const mine = result.perClass[c];
    assert.deepEqual([mine.tp, mine.fp, mine.fn], [want.tp, want.fp, want.fn], category.name);
    if (mine.tp + mine.fp + mine.fn === 0) {
      assert.ok(Number.isNaN(mine.pq)); // panopticapi lists 0.0, and leaves it out of the averages as here
      continue;
    }
    const scores = expected.results.per_class[String(category.id)];
    for (const key of ["pq", "sq", "rq"] as const) close(mine[key], scores[key], `${category.name} ${key}`);
  }
  assert.ok(categories.some((c) => expected.counts[String(c.id)].tp + expected.counts[String(c.id)].fp + expected.counts[String(c.id)].fn === 0), "a category never occurs");
  for (const [name, mine] of [["All", result.all], ["Things", result.things], ["Stuff", result.stuff]] as const) {
    const want = expected.results[name];
    assert.equal(mine.n, want.n, `${name} n`);
    for (const key of ["pq", "sq", "rq"] as const) close(mine[key], want[key], `${name} ${key}`);
  }
});

test("segkit eval --task panoptic --json prints the same averages", async () => {
  const { stdout } = await run(process.execPath, [cli, "eval", "--task", "panoptic", "--gt", join(fixture, "gt.json"), "--pred", join(fixture, "pred.json"), "--json"]);
  const out = JSON.parse(stdout) as Record<"all" | "things" | "stuff", Scores>;
  close(out.all.pq, expected.results.All.pq, "PQ");
  close(out.things.sq, expected.results.Things.sq, "SQ things");
  close(out.stuff.rq, expected.results.Stuff.rq, "RQ stuff");
});

/** A copy of the fixture with the JSON files edited; returns its files. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the edits reach into arbitrary JSON
function copy(name: string, edit: (gt: any, pred: any) => void = () => {}): Required<CocoPanopticFiles> {
  const root = join(scratch, name);
  cpSync(fixture, root, { recursive: true });
  const files = { gt: join(root, "gt.json"), pred: join(root, "pred.json"), gtDir: join(root, "gt"), predDir: join(root, "pred") };
  const gt = JSON.parse(readFileSync(files.gt, "utf8"));
  const pred = JSON.parse(readFileSync(files.pred, "utf8"));
  edit(gt, pred);
  writeFileSync(files.gt, JSON.stringify(gt));
  writeFileSync(files.pred, JSON.stringify(pred));
  return files;
}

test("malformed JSON, unknown ids and categories, mismatched sizes: errors name the file and key", async () => {
  const broken = copy("broken");
  writeFileSync(broken.pred, "[");
  await assert.rejects(evaluateCocoPanoptic(broken), /--pred: annotation file .*broken\/pred\.json is not valid JSON/);
  await assert.rejects(evaluateCocoPanoptic(copy("no-pred", (_, p) => p.annotations.pop())), /pred\.json has no annotation for image_id 100 \(.*gt\.json\.annotations\[0\]\)/);
  await assert.rejects(evaluateCocoPanoptic(copy("category", (_, p) => (p.annotations[1].segments_info[0].category_id = 2))), /pred\.json\.annotations\[1\]\.segments_info\[0\]\.category_id 2 is not in categories/);
  await assert.rejects(evaluateCocoPanoptic(copy("unlisted", (_, p) => p.annotations[0].segments_info.pop())), /pred[/\\]scene_3\.png and .*pred\.json\.annotations\[0\]\.segments_info: prediction segment id \d+ at pixel \d+ is not in its segment list/);
  await assert.rejects(evaluateCocoPanoptic(copy("absent", (_, p) => p.annotations[0].segments_info.push({ id: 5, category_id: 1 }))), /pred\.json\.annotations\[0\]\.segments_info: prediction segment 5 listed but not in the map/);
  await assert.rejects(evaluateCocoPanoptic(copy("gt-id", (g) => (g.annotations[2].segments_info[0].id = -4))), /gt\.json\.annotations\[2\]\.segments_info\[0\]\.id -4 must be a positive id/);
  const size = copy("size");
  await sharp(Buffer.alloc(3 * 4 * 5), { raw: { width: 4, height: 5, channels: 3 } }).png().toFile(join(size.predDir, "scene_1.png"));
  await assert.rejects(evaluateCocoPanoptic(size), /size mismatch: .*pred[/\\]scene_1\.png is 4×5 but .*gt[/\\]scene_1\.png is 48×36/);
  await assert.rejects(evaluateCocoPanoptic({ ...copy("dir"), predDir: join(scratch, "nowhere") }), /--pred-dir .*nowhere is not a folder/);
  await assert.rejects(run(process.execPath, [cli, "eval", "--task", "panoptic", "--gt", join(scratch, "none.json"), "--pred", broken.pred]), (e: { stderr: string }) => /segkit: --gt: cannot read annotation file .*none\.json/.test(e.stderr));
});
