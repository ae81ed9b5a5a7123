// An instance model from the command line, end to end: a tiny Mask R-CNN trained for a few steps on
// two synthetic_panoptic scenes and saved as a plain state dict; `segkit predict` writes per image a
// COCO results JSON (RLE masks equal to the in-process detections') and an overlay, plus
// results.json; `segkit eval --task instance` on results.json against the scenes' instances JSON
// gives the COCO mask AP that `segkit test` computes from the model on the config's dataset, and
// that cocoEvaluate gives in process. Flags of semantic inference and a checkpoint of another
// model are refused by name.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { rleArea, rleFromString } from "@segkit/metrics";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { detectInstances, type CocoResult } from "../src/engine/instance-predict.js";
import type { MaskRCNN } from "../src/models/index.js";
import "../src/models/index.js";
import { cli, maskApInProcess, panopticScenes, THINGS, writeSceneFiles } from "./fixtures/instance_cli_files.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-instance-cli-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
torch.setNumThreads(1);

const SIZE: [number, number] = [64, 64];
const DATASET = { type: "synthetic_panoptic", length: 2, size: SIZE, seed: 0 };
const MODEL = {
  type: "maskrcnn_resnet50_fpn", numClasses: 5, backbone: { type: "resnet18", width: 8 }, fpnChannels: 16, representationSize: 32,
  maskLayers: [16, 16], maskDimReduced: 16, minSize: 64, maxSize: 64,
  rpnPreNmsTopNTrain: 200, rpnPostNmsTopNTrain: 100, rpnBatchSizePerImage: 64, boxBatchSizePerImage: 64,
  rpnPreNmsTopNTest: 200, rpnPostNmsTopNTest: 100, boxDetectionsPerImg: 20,
};
// The panoptic categories 2..5 (box, disc, triangle, ring) are the model's labels 1..4.
const STUFF = 2;

const scenes = panopticScenes(DATASET.length, SIZE, DATASET.seed);

/** A few training steps, so that the model finds something; saved as a plain state dict. */
function trainedCheckpoint(): { model: MaskRCNN; file: string } {
  torch.manualSeed(0);
  const model = build<MaskRCNN>("instance_model", MODEL);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 3e-3 });
  model.train();
  const images = scenes.map((s) => torch.tidy(() => torch.tensor(Float32Array.from(s.pixels, (v) => v / 255), { shape: [...SIZE, 3] }).permute([2, 0, 1]).contiguous()));
  const targets = scenes.map((s) => torch.tidy(() => {
    const things = s.panoptic.segments.filter((g) => g.isThing);
    return {
      boxes: torch.tensor(Float32Array.from(things.flatMap((g) => [g.bbox[0], g.bbox[1], g.bbox[0] + g.bbox[2], g.bbox[1] + g.bbox[3]])), { shape: [things.length, 4] }),
      labels: torch.tensor(things.map((g) => g.category - STUFF + 1), { dtype: "int64" }),
      masks: torch.tensor(Uint8Array.from(things.flatMap((g) => Array.from(s.panoptic.ids, (id) => (id === g.id ? 1 : 0)))), { shape: [things.length, ...SIZE] }),
    };
  }));
  // 40 steps at 3e-3: AP 0.2–0.3 with either OpenBLAS build (20 at 1e-2 gave 0 or 0.01: too close to nothing)
  for (let step = 0; step < 40; step++) {
    torch.tidy(() => {
      optimizer.zeroGrad({ setToNone: true });
      Object.values(model.losses(images, targets)).reduce((a, b) => a.add(b)).backward();
      optimizer.step();
    });
  }
  optimizer.dispose();
  for (const t of [...images, ...targets.flatMap((t) => [t.boxes, t.labels, t.masks])]) t.dispose();
  model.eval();
  const file = join(tmp, "maskrcnn.safetensors");
  torch.saveSafetensors(file, model.stateDict());
  return { model, file };
}

test("segkit predict, eval --task instance and test agree on a Mask R-CNN checkpoint", async () => {
  const { model, file } = trainedCheckpoint();
  const config = join(tmp, "instance.json");
  writeFileSync(config, JSON.stringify({ model: MODEL, data: { train: { dataset: DATASET }, val: { dataset: DATASET } } }));
  const files = await writeSceneFiles(scenes, SIZE, tmp);
  const { imageDir, gtFile } = files;

  const out = join(tmp, "out");
  const predicted = cli("predict", config, file, imageDir, "--out", out);
  assert.equal(predicted.status, 0, predicted.stderr);
  const all = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as CocoResult[];
  assert.ok(all.length > 0, "the trained model detects something");
  for (const [i, s] of scenes.entries()) {
    const name = `scene-${i}`;
    const written = JSON.parse(readFileSync(join(out, "instances", `${name}.json`), "utf8")) as CocoResult[];
    assert.deepEqual(written, all.filter((r) => r.image_id === name), "results.json gathers the per-image files");
    const expected = detectInstances(model, { width: SIZE[1], height: SIZE[0], pixels: s.pixels });
    assert.equal(written.length, expected.length, `${name}: the in-process detections`);
    written.forEach((r, k) => {
      assert.equal(r.category_id, expected[k].label);
      assert.equal(r.category, THINGS[r.category_id - 1]);
      assert.ok(Math.abs(r.score - expected[k].score) < 1e-6);
      assert.deepEqual(rleFromString(r.segmentation.counts, ...SIZE).counts, expected[k].rle.counts, `${name} detection ${k}: the same mask`);
    });
    const overlay = await sharp(join(out, "overlays", `${name}.png`)).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([overlay.info.width, overlay.info.height], [SIZE[1], SIZE[0]]);
    const confident = expected.filter((d) => d.score >= 0.5 && rleArea(d.rle) > 0).length;
    assert.equal(Buffer.compare(overlay.data, Buffer.from(s.pixels)) !== 0, confident > 0, `${name}: the overlay shows the confident masks`);
  }

  const evaluated = cli("eval", "--task", "instance", "--pred", join(out, "results.json"), "--gt", gtFile, "--json");
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const fromFiles = JSON.parse(evaluated.stdout) as { stats: { AP: number } };
  const tested = cli("test", config, file, "--json");
  assert.equal(tested.status, 0, tested.stderr);
  const fromDataset = JSON.parse(tested.stdout) as { stats: { AP: number }; perCategory: { name: string }[] };
  assert.deepEqual(fromDataset.perCategory.map((c) => c.name), THINGS);
  const inProcess = maskApInProcess(files, all, SIZE, scenes.length);
  console.log(`mask AP: eval ${fromFiles.stats.AP}, test ${fromDataset.stats.AP}, in process ${inProcess}`);
  assert.ok(inProcess > 0.05, "a few steps of training give some AP");
  assert.ok(Math.abs(fromFiles.stats.AP - inProcess) < 1e-12, "eval scores the written results as cocoEvaluate does");
  assert.ok(Math.abs(fromDataset.stats.AP - inProcess) < 1e-12, "test scores the model on the dataset as on the files");
  model.dispose();
});

test("an instance model refuses semantic flags and a checkpoint of another model, by name", () => {
  const config = join(tmp, "refusals.json");
  writeFileSync(config, JSON.stringify({ model: MODEL, data: { train: { dataset: DATASET }, val: { dataset: DATASET } } }));
  const other = join(tmp, "other.safetensors");
  const weight = torch.zeros([1]);
  torch.saveSafetensors(other, new Map([["conv.weight", weight]]));
  weight.dispose();
  const flagged = cli("predict", config, other, tmp, "--out", join(tmp, "x"), "--flip", "--engine", "onnxruntime");
  assert.notEqual(flagged.status, 0);
  assert.match(flagged.stderr, /--flip, --engine onnxruntime: not for an instance model \(config.model maskrcnn_resnet50_fpn\)/);
  const slid = cli("test", config, other, "--slide", "32x32,16x16");
  assert.match(slid.stderr, /--slide: not for an instance model/);
  const wrong = cli("test", config, other);
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, new RegExp(`checkpoint ${other.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*`));
  assert.ok(!existsSync(join(tmp, "x", "results.json")), "nothing written after a refusal");
});
