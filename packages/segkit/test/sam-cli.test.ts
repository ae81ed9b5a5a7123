// `segkit sam`: with the reference's reduced checkpoint (fixtures/sam_reduced.pth, its sizes read
// off the shapes), a click writes the masks the reference's SamPredictor gives (its logits > 0) and
// its IoU predictions in the JSON, with either prompt decoder (--decoder); --auto writes the reference generator's masks; bad arguments get
// errors naming them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import sharp from "sharp";
import * as torch from "@segkit/torch";
import { registerSam } from "../src/cli/sam.js";
import { readLabelPng } from "../src/io/label-png.js";
import { rleDecode } from "@segkit/metrics";
import { SAM_REDUCED_PTH, samGolden } from "./fixtures/sam_fixture.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-sam-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const { tensors: golden, metadata } = samGolden;
const image = golden.get("image")!;
const [height, width] = image.shape;
const picture = join(tmp, "shapes.png");
await sharp(Buffer.from(image.toTypedArray() as Uint8Array), { raw: { width, height, channels: 3 } }).png().toFile(picture);

function segkit(...args: string[]) {
  return spawnSync(process.execPath, [CLI, "sam", ...args], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" } });
}

/** The command run in this process (a process per run would cost a libtorch start each): resolves or throws its error. */
async function segkitHere(...args: string[]): Promise<void> {
  const program = new Command("segkit").exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerSam(program);
  await program.parseAsync(["sam", ...args], { from: "user" });
}

for (const decoder of ["libtorch", "onnxruntime"]) test(`--points: the reference's masks and IoU predictions for one click (--decoder ${decoder})`, async () => {
  const out = join(tmp, `points-${decoder}`);
  await segkitHere(picture, "--checkpoint", SAM_REDUCED_PTH, "--decoder-heads", "4", "--points", "10,10", "--decoder", decoder, "--out", out);
  const report = JSON.parse(readFileSync(join(out, "shapes_sam.json"), "utf8")) as { masks: { file: string; predictedIou: number; area: number }[] };
  const ious = golden.get("point.iou")!.toArray();
  const expected = torch.tidy(() => golden.get("point.masks")!.gt(0).to("uint8").toTypedArray()) as Uint8Array;
  for (const [i, m] of report.masks.entries()) {
    assert.ok(Math.abs(m.predictedIou - ious[i]) <= 1e-4, `mask ${i}: IoU ${m.predictedIou} vs ${ious[i]}`);
    const written = await readLabelPng(join(out, m.file));
    assert.deepEqual([...written.data], [...expected.subarray(i * width * height, (i + 1) * width * height)], `mask ${i}`);
    assert.equal(m.area, [...written.data].filter((v) => v === 1).length);
  }
  const overlay = await sharp(join(out, "shapes_sam_overlay.png")).metadata();
  assert.deepEqual([overlay.width, overlay.height], [width, height]);
});

test("--auto: the reference generator's masks", async () => {
  const out = join(tmp, "auto");
  const o = JSON.parse(metadata["amg.options"]) as Record<string, number>;
  await segkitHere(picture, "--checkpoint", SAM_REDUCED_PTH, "--decoder-heads", "4", "--auto", "--out", out, "--points-per-side", String(o.points_per_side),
    "--pred-iou-thresh", String(o.pred_iou_thresh), "--stability-thresh", String(o.stability_score_thresh), "--crop-layers", String(o.crop_n_layers),
    "--min-region-area", String(o.min_mask_region_area));
  // The CLI keeps the generator's other defaults (stability offset 1, the same points per side in
  // every crop layer): it runs and writes masks matching their RLEs; the fixture's exact settings are
  // sam-amg.test.ts's.
  const report = JSON.parse(readFileSync(join(out, "shapes_sam.json"), "utf8")) as { mode: string; masks: { file: string; segmentation: { size: [number, number]; counts: number[] } }[] };
  assert.equal(report.mode, "auto");
  for (const m of report.masks) {
    const written = await readLabelPng(join(out, m.file));
    assert.deepEqual([...written.data], [...rleDecode(m.segmentation)]);
  }
});

test("bad arguments get errors naming them", async () => {
  const base = ["--checkpoint", SAM_REDUCED_PTH, "--decoder-heads", "4", "--out", join(tmp, "bad")];
  const cases: [string[], RegExp][] = [
    [[picture, ...base, "--points", "500,10"], /--points \(point 1\): \(500, 10\) is outside the 96×72 image/],
    [[picture, ...base, "--points", "10"], /--points takes x,y or x,y,label, got "10"/],
    [[picture, ...base, "--points", "10,10,2"], /--points \(point 1\): the label must be 1 \(foreground\) or 0/],
    [[picture, ...base, "--box", "50,10,20,30"], /--box: x0 < x1 and y0 < y1 needed/],
    [[picture, ...base], /give --points and\/or --box, or --auto alone/],
    [[picture, ...base, "--auto", "--decoder", "onnxruntime"], /--decoder onnxruntime: --points\/--box only/],
    [[picture, ...base, "--points", "1,1", "--decoder", "tvm"], /option '--decoder <backend>' argument 'tvm' is invalid/],
    [[picture, "--checkpoint", join(tmp, "missing.pth"), "--out", tmp, "--points", "1,1"], /--checkpoint: .*missing\.pth: cannot read weights \(ENOENT\)/],
    [[join(tmp, "missing.png"), ...base, "--points", "1,1"], /cannot decode image .*missing\.png/],
  ];
  for (const [args, message] of cases) await assert.rejects(segkitHere(...args), message, args.join(" "));
  // Through the real command: a non-zero exit and the message on stderr.
  const r = segkit(picture, ...base, "--points", "500,10");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /segkit: --points \(point 1\): \(500, 10\) is outside/);
});
