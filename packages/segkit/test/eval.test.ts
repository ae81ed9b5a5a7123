import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile, mkdir, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import sharp from "sharp";
import { readLabelPng } from "../src/io/label-png.js";

const run = promisify(execFile);
const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const shared = fileURLToPath(new URL("../../../../../shared/", import.meta.url));
const camvid = join(shared, "data/camvid/valannot");
const peer = join(shared, "peers/pytorch_peer.py");
const python = "/usr/bin/python3"; // Debian's python, which has numpy and torch

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "segkit-eval-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function segkit(...args: string[]): Promise<string> {
  return (await run(process.execPath, [cli, "eval", ...args], { maxBuffer: 1 << 24 })).stdout;
}

/** Runs the CLI expecting failure and returns stderr. */
async function segkitFails(...args: string[]): Promise<string> {
  try {
    await run(process.execPath, [cli, "eval", ...args]);
  } catch (e) {
    return (e as { stderr: string }).stderr;
  }
  assert.fail(`segkit eval ${args.join(" ")} succeeded`);
}

async function writeLabels(file: string, data: Uint8Array, width: number, height: number): Promise<void> {
  await sharp(data, { raw: { width, height, channels: 1 } }).toColourspace("b-w").png().toFile(file);
}

/** A plausible prediction: the ground truth shifted, with wrong rectangles and scattered errors. */
function perturb(gt: Uint8Array, width: number, height: number, seed: number): Uint8Array {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const out = new Uint8Array(gt.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = gt[Math.min(height - 1, y + 1) * width + Math.min(width - 1, x + 2)] % 11;
  }
  for (let r = 0; r < 4; r++) {
    const x0 = Math.floor(rand() * width), y0 = Math.floor(rand() * height), c = Math.floor(rand() * 11);
    for (let y = y0; y < Math.min(height, y0 + 40); y++) out.fill(c, y * width + x0, y * width + Math.min(width, x0 + 60));
  }
  for (let i = 0; i < out.length; i += 97) out[i] = Math.floor(rand() * 11);
  return out;
}

/** Copies of the CamVid val labels and a perturbed prediction for each, optionally relabelled. */
async function makeFolders(name: string, relabel: (v: number) => number = (v) => v) {
  const gtDir = join(tmp, name, "gt");
  const predDir = join(tmp, name, "pred");
  await mkdir(gtDir, { recursive: true });
  await mkdir(predDir, { recursive: true });
  const files = (await readdir(camvid)).filter((f) => f.endsWith(".png")).sort();
  let seed = 1;
  for (const f of files) {
    const { data, width, height } = await readLabelPng(join(camvid, f));
    const gt = Uint8Array.from(data, relabel);
    await writeLabels(join(gtDir, f), gt, width, height);
    await writeLabels(join(predDir, f), perturb(gt, width, height, seed++).map(relabel), width, height);
  }
  return { gtDir, predDir, files };
}

async function peerMetrics(pred: string, gt: string, classes: number, ignore?: number) {
  const args = [peer, "metrics", "--pred", pred, "--gt", gt, "--classes", String(classes)];
  if (ignore !== undefined) args.push("--ignore-index", String(ignore));
  const { stdout } = await run(python, args, { maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

function assertSameMetrics(ours: Record<string, unknown>, theirs: Record<string, unknown>) {
  for (const key of ["aAcc", "mIoU", "mAcc", "mPrecision", "mDice", "fwIoU"]) {
    assert.ok(Math.abs((ours[key] as number) - (theirs[key] as number)) <= 1e-9, `${key}: ${ours[key]} vs ${theirs[key]}`);
  }
  const a = ours.IoU as (number | null)[];
  const b = theirs.IoU as (number | null)[];
  assert.equal(a.length, b.length);
  a.forEach((v, i) => {
    if (v === null || b[i] === null) assert.equal(v, b[i], `IoU[${i}]`);
    else assert.ok(Math.abs(v - b[i]!) <= 1e-9, `IoU[${i}]: ${v} vs ${b[i]}`);
  });
  assert.equal(ours.pixels, theirs.pixels);
  assert.equal(ours.images, theirs.images);
}

test("segkit eval --json equals the numpy peer on CamVid val labels vs a perturbed copy", async () => {
  const { gtDir, predDir, files } = await makeFolders("camvid");
  assert.equal(files.length, 101);
  const ours = JSON.parse(await segkit("--pred", predDir, "--gt", gtDir, "--classes", "11", "--ignore-index", "11", "--json"));
  const theirs = await peerMetrics(predDir, gtDir, 11, 11);
  assert.ok(ours.mIoU > 0.3 && ours.mIoU < 0.95, `perturbation should be visible: mIoU ${ours.mIoU}`);
  assertSameMetrics(ours, theirs);
  // without an ignore index the 12th value is a class of its own
  const ours12 = JSON.parse(await segkit("--pred", predDir, "--gt", gtDir, "--classes", "12", "--json"));
  assertSameMetrics(ours12, await peerMetrics(predDir, gtDir, 12));
});

test("a class absent from both folders is null in IoU and skipped by the means, as in the peer", async () => {
  // Pedestrian (9) relabelled as Bicyclist (10) in both maps.
  const { gtDir, predDir } = await makeFolders("absent", (v) => (v === 9 ? 10 : v));
  const ours = JSON.parse(await segkit("--pred", predDir, "--gt", gtDir, "--classes", "11", "--ignore-index", "11", "--json"));
  assert.equal(ours.IoU[9], null);
  assertSameMetrics(ours, await peerMetrics(predDir, gtDir, 11, 11));
});

test("the text table names classes from --names", async () => {
  const dir = join(tmp, "names");
  await mkdir(join(dir, "gt"), { recursive: true });
  await mkdir(join(dir, "pred"), { recursive: true });
  await writeLabels(join(dir, "gt", "a.png"), Uint8Array.from([0, 1, 1, 0]), 2, 2);
  await writeLabels(join(dir, "pred", "a.png"), Uint8Array.from([0, 1, 0, 0]), 2, 2);
  await writeFile(join(dir, "names.txt"), "sky\nroad\n");
  const text = await segkit("--pred", join(dir, "pred"), "--gt", join(dir, "gt"), "--classes", "2", "--names", join(dir, "names.txt"));
  assert.match(text, /^sky\s+66\.67\s+100\.00\s+66\.67\s+80\.00$/m);
  assert.match(text, /^road\s+50\.00\s+50\.00\s+100\.00\s+66\.67$/m);
  assert.match(await segkitFails("--pred", join(dir, "pred"), "--gt", join(dir, "gt"), "--classes", "3", "--names", join(dir, "names.txt")), /names\.txt lists 2 names but --classes is 3/);
});

test("bad input: out-of-range label with its position, size mismatch, missing partners, unreadable PNG, bad arguments", async () => {
  const dir = join(tmp, "bad");
  const gt = join(dir, "gt");
  const pred = join(dir, "pred");
  await mkdir(gt, { recursive: true });
  await mkdir(pred, { recursive: true });
  await writeLabels(join(gt, "a.png"), Uint8Array.from([0, 1, 2, 5, 1, 0]), 3, 2);
  await writeLabels(join(pred, "a.png"), Uint8Array.from([0, 1, 2, 1, 1, 0]), 3, 2);
  assert.match(await segkitFails("--pred", pred, "--gt", gt, "--classes", "3"), new RegExp(`${join(gt, "a.png")}: ground truth has label 5 at pixel 3 \\(row 1, column 0\\)`));

  await writeLabels(join(pred, "a.png"), Uint8Array.from([0, 1, 2, 1, 1, 0, 0, 0]), 4, 2);
  assert.match(await segkitFails("--pred", pred, "--gt", gt, "--classes", "6"), new RegExp(`size mismatch: ${join(pred, "a.png")} is 4×2 but ${join(gt, "a.png")} is 3×2`));

  await writeLabels(join(pred, "a.png"), Uint8Array.from([0, 1, 2, 1, 1, 0]), 3, 2);
  await copyFile(join(gt, "a.png"), join(gt, "b.png"));
  assert.match(await segkitFails("--pred", pred, "--gt", gt, "--classes", "6"), new RegExp(`1 ground-truth file\\(s\\) have no prediction in ${pred}: ${join(gt, "b.png")}`));
  await copyFile(join(gt, "a.png"), join(pred, "b.png"));
  await copyFile(join(gt, "a.png"), join(pred, "c.png"));
  assert.match(await segkitFails("--pred", pred, "--gt", gt, "--classes", "6"), new RegExp(`1 prediction\\(s\\) have no ground truth in ${gt}: ${join(pred, "c.png")}`));
  await rm(join(pred, "c.png"));

  await writeFile(join(pred, "b.png"), "not a png");
  assert.match(await segkitFails("--pred", pred, "--gt", gt, "--classes", "6"), new RegExp(`cannot decode label map ${join(pred, "b.png")}`));
  await sharp(Buffer.alloc(12, 200), { raw: { width: 2, height: 2, channels: 3 } }).png().toFile(join(pred, "b.png"));
  assert.match(await segkitFails("--pred", pred, "--gt", gt, "--classes", "6"), /b\.png: it has 3 colour channels; label maps must be grayscale or palette PNGs/);

  assert.match(await segkitFails("--pred", join(dir, "nowhere"), "--gt", gt, "--classes", "6"), /--pred .*nowhere: ENOENT/);
  assert.match(await segkitFails("--pred", pred, "--gt", gt, "--classes", "0"), /--classes must be an integer ≥ 1, got "0"/);
  assert.match(await segkitFails("--pred", pred, "--gt", gt), /--classes is required for --task semantic/);
});

test("palette and 16-bit PNGs decode to the values PIL reads", async () => {
  const dir = join(tmp, "formats");
  await mkdir(dir, { recursive: true });
  const palette = join(dir, "palette.png");
  const rgb = Uint8Array.from([128, 0, 0, 0, 128, 0, 0, 0, 0, 128, 128, 0, 0, 128, 0, 128, 0, 0]);
  await sharp(rgb, { raw: { width: 3, height: 2, channels: 3 } }).png({ palette: true }).toFile(palette);
  const deep = join(dir, "deep.png");
  await sharp(Uint16Array.from([0, 1, 300, 65535, 7, 1000]), { raw: { width: 3, height: 2, channels: 1 } }).toColourspace("grey16").png().toFile(deep);
  for (const file of [palette, deep]) {
    const { stdout } = await run(python, ["-c", "import sys, json, numpy as np; from PIL import Image; print(json.dumps(np.array(Image.open(sys.argv[1])).astype(int).ravel().tolist()))", file]);
    const ours = await readLabelPng(file);
    assert.deepEqual(Array.from(ours.data), JSON.parse(stdout), file);
  }
  assert.equal((await readLabelPng(deep)).data.constructor, Uint16Array);
});
