// `segkit dataset inspect`: counts, sizes, frequencies and both class-weight schemes on a fixture
// with known pixel counts, and problems reported by file instead of stopping.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { DatasetReport } from "../src/data/inspect.js";
import { writeImage, writeLabel } from "./fixtures/data_files.js";

const run = promisify(execFile);
const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-data-inspect-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function fixture(): Promise<string> {
  const root = join(tmp, "folder");
  // a: 4×2, classes 0 ×6, 1 ×2. b: 4×2, classes 0 ×4, 2 ×2, ignore ×2. c: 2×2 all class 2.
  await writeImage(join(root, "images/a.png"), 4, 2);
  writeLabel(join(root, "masks/a.png"), 4, 2, [0, 0, 0, 0, 0, 0, 1, 1]);
  await writeImage(join(root, "images/b.png"), 4, 2);
  writeLabel(join(root, "masks/b.png"), 4, 2, [0, 0, 0, 0, 2, 2, 255, 255]);
  await writeImage(join(root, "images/c.png"), 2, 2);
  writeLabel(join(root, "masks/c.png"), 2, 2, [2, 2, 2, 2]);
  await writeImage(join(root, "images/d.png"), 2, 2); // no mask: a problem
  await writeImage(join(root, "images/e.png"), 2, 2);
  writeLabel(join(root, "masks/e.png"), 2, 2, [0, 7, 0, 0]); // 7 is not a class: a problem
  writeFileSync(join(root, "classes.json"), JSON.stringify({ classes: ["bg", "one", "two"] }));
  return root;
}

test("inspect reports counts, sizes, frequencies, inverse- and median-frequency weights, problems", async () => {
  const root = await fixture();
  const { stdout } = await run(process.execPath, [cli, "dataset", "inspect", root, "--format", "folder", "--json"]);
  const r = JSON.parse(stdout) as DatasetReport;
  assert.equal(r.samples, 3);
  assert.deepEqual(r.sizes, { "4×2": 2, "2×2": 1 });
  assert.equal(r.ignoredPixels, 2);
  assert.deepEqual(r.classes.map((c) => c.pixels), [10, 2, 6]);
  assert.deepEqual(r.classes.map((c) => c.images), [2, 1, 2]);
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  [10 / 18, 2 / 18, 6 / 18].forEach((f, c) => close(r.classes[c].frequency, f));
  [18 / 30, 18 / 6, 18 / 18].forEach((w, c) => close(r.classes[c].inverseFrequencyWeight, w));
  // f = pixels / pixels of the images containing the class: 10/16, 2/8, 6/12; median 0.5
  [0.5 / (10 / 16), 0.5 / (2 / 8), 0.5 / (6 / 12)].forEach((w, c) => close(r.classes[c].medianFrequencyWeight, w));
  assert.equal(r.problems.length, 2);
  assert.match(r.problems[0], /masks\/d\.png: missing/);
  assert.match(r.problems[1], /masks\/e\.png: value 7 at \(x=1, y=0\)/);
});

test("inspect prints a readable table by default, and rejects an unknown format", async () => {
  const root = await fixture();
  const { stdout } = await run(process.execPath, [cli, "dataset", "inspect", root, "--format", "folder"]);
  assert.match(stdout, /samples: 3/);
  assert.match(stdout, /^two\s+6\s+33\.33%\s+2\s+1\.0000\s+1\.0000$/m);
  assert.match(stdout, /problems \(2\):/);
  await assert.rejects(run(process.execPath, [cli, "dataset", "inspect", root, "--format", "folders"]), (e: { stderr: string }) => /"folders" is invalid \(did you mean "folder"\?\); formats: .*coco_stuff/.test(e.stderr));
  // A former name still selects its format, with a deprecation note naming the new one.
  await assert.rejects(run(process.execPath, [cli, "dataset", "inspect", join(root, "missing"), "--format", "coco-stuff"]),
    (e: { stderr: string }) => /dataset "coco-stuff" is now called "coco_stuff"/.test(e.stderr) && !/is invalid/.test(e.stderr));
});
