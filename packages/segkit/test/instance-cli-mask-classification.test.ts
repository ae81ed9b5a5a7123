// A mask-classification model through the instance engine from the command line: a reduced K-Net
// panoptic trained for a few steps on two synthetic_panoptic scenes and saved as a plain state dict;
// `segkit predict --task instance` writes the detections that the adapter (MaskClassificationInstances)
// gives in process, and the mask AP that `segkit eval --task instance` gives on the written results,
// that `segkit test --task instance` and `segkit eval --task instance --config` give on the config's
// dataset, equals cocoEvaluate's on the same detections. A semantic-only model with --task instance,
// and --task semantic for an instance model, are refused naming the model and the task.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { rleFromString } from "@segkit/metrics";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { detectInstances, type CocoResult } from "../src/engine/instance-predict.js";
import { MaskClassificationInstances } from "../src/engine/mask-classification-instances.js";
import { predictionPipeline } from "../src/engine/predict.js";
import "../src/models/index.js";
import { cli, maskApInProcess, panopticScenes, THINGS, writeSceneFiles } from "./fixtures/instance_cli_files.js";
import type { KNetPanoptic } from "../src/models/segmentors/knet/model.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-instance-cli-mc-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
torch.setNumThreads(1);

const SIZE: [number, number] = [64, 64];
const DATASET = { type: "synthetic_panoptic", length: 2, size: SIZE, seed: 0 };
const MODEL = {
  type: "knet_s3_panoptic_r50", numClasses: 6, stuffClasses: [0, 1], backbone: { type: "resnet18", width: 8 }, generateHead: { channels: 32 },
  numProposals: 8, numStages: 2, updatorChannels: 16, numHeads: 4, feedforwardChannels: 64,
};
// (v − 127.5) / 255: the pixels / 255 − 0.5 the model trains on below.
const PIPELINE = [{ type: "normalize", mean: [127.5, 127.5, 127.5], std: [255, 255, 255] }];
const CONFIG = { model: MODEL, data: { train: { dataset: DATASET, pipeline: PIPELINE }, val: { dataset: DATASET, pipeline: PIPELINE } } };
const STEPS = 40;

const scenes = panopticScenes(DATASET.length, SIZE, DATASET.seed);

/** A few steps on the scenes' segments, so that the model finds something; saved as a plain state dict. */
function trainedCheckpoint(): { model: KNetPanoptic; file: string } {
  torch.manualSeed(0);
  const model = build<KNetPanoptic>("model", MODEL);
  const optimizer = new torch.optim.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0 });
  model.train();
  const x = torch.tidy(() => torch.stack(scenes.map((s) => torch.tensor(Float32Array.from(s.pixels, (v) => v / 255 - 0.5), { shape: [...SIZE, 3] }).permute([2, 0, 1]))).contiguous());
  const targets = scenes.map((s) => torch.tidy(() => {
    const segments = s.panoptic.segments.filter((g) => g.area > 0);
    return {
      labels: torch.tensor(segments.map((g) => g.category), { dtype: "int64" }),
      masks: torch.tensor(s.panoptic.ids, { shape: SIZE }).unsqueeze(0).eq(torch.tensor(segments.map((g) => g.id), { dtype: "int32" }).view([-1, 1, 1])).to("float32"),
    };
  }));
  for (let step = 0; step < STEPS; step++) {
    torch.tidy(() => {
      optimizer.zeroGrad({ setToNone: true });
      model.forwardTrainSegments(x, targets).loss.backward();
      optimizer.step();
    });
  }
  optimizer.dispose();
  for (const t of [x, ...targets.flatMap((t) => [t.labels, t.masks])]) t.dispose();
  model.eval();
  const file = join(tmp, "knet.safetensors");
  torch.saveSafetensors(file, model.stateDict());
  return { model, file };
}

test("segkit predict, eval and test --task instance agree on a K-Net panoptic checkpoint", async () => {
  const { model, file } = trainedCheckpoint();
  const adapter = new MaskClassificationInstances(model, [2, 3, 4, 5], predictionPipeline(PIPELINE)).eval();
  const config = join(tmp, "knet.json");
  writeFileSync(config, JSON.stringify(CONFIG));
  const files = await writeSceneFiles(scenes, SIZE, tmp);
  const { imageDir, gtFile } = files;

  const out = join(tmp, "out");
  const predicted = cli("predict", config, file, imageDir, "--out", out, "--task", "instance");
  assert.equal(predicted.status, 0, predicted.stderr);
  const all = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as CocoResult[];
  for (const [i, s] of scenes.entries()) {
    const name = `scene-${i}`;
    const written = JSON.parse(readFileSync(join(out, "instances", `${name}.json`), "utf8")) as CocoResult[];
    const expected = detectInstances(adapter, { width: SIZE[1], height: SIZE[0], pixels: s.pixels });
    // 8 thing kernels × 4 thing classes: every pair is a detection.
    assert.equal(written.length, 32, `${name}: every (kernel, thing class) pair`);
    assert.equal(written.length, expected.length, `${name}: the in-process detections`);
    written.forEach((r, k) => {
      assert.equal(r.category_id, expected[k].label);
      assert.equal(r.category, THINGS[r.category_id - 1]);
      assert.ok(Math.abs(r.score - expected[k].score) < 1e-6);
      assert.deepEqual(rleFromString(r.segmentation.counts, ...SIZE).counts, expected[k].rle.counts, `${name} detection ${k}: the same mask`);
      const mask = expected[k].mask;
      const xs = [...mask.keys()].filter((p) => mask[p]).map((p) => p % SIZE[1]);
      const ys = [...mask.keys()].filter((p) => mask[p]).map((p) => Math.floor(p / SIZE[1]));
      const box = xs.length === 0 ? [0, 0, 0, 0] : [Math.min(...xs), Math.min(...ys), Math.max(...xs) - Math.min(...xs) + 1, Math.max(...ys) - Math.min(...ys) + 1];
      assert.deepEqual(r.bbox, box, `${name} detection ${k}: the box encloses the mask`);
    });
  }

  const evaluated = cli("eval", "--task", "instance", "--pred", join(out, "results.json"), "--gt", gtFile, "--json");
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const fromFiles = JSON.parse(evaluated.stdout) as { stats: { AP: number } };
  const tested = cli("test", config, file, "--task", "instance", "--json");
  assert.equal(tested.status, 0, tested.stderr);
  const fromTest = JSON.parse(tested.stdout) as { stats: { AP: number }; perCategory: { name: string }[] };
  assert.deepEqual(fromTest.perCategory.map((c) => c.name), THINGS);
  const fromConfig = cli("eval", "--task", "instance", "--config", config, "--checkpoint", file, "--json");
  assert.equal(fromConfig.status, 0, fromConfig.stderr);
  const inProcess = maskApInProcess(files, all, SIZE, scenes.length);
  console.log(`K-Net mask AP after ${STEPS} steps: eval ${fromFiles.stats.AP}, test ${fromTest.stats.AP}, in process ${inProcess}`);
  assert.ok(inProcess > 0.05, "a few steps of training give some AP");
  assert.ok(Math.abs(fromFiles.stats.AP - inProcess) < 1e-12, "eval scores the written results as cocoEvaluate does");
  assert.ok(Math.abs(fromTest.stats.AP - inProcess) < 1e-12, "test scores the model on the dataset as on the files");
  assert.deepEqual(JSON.parse(fromConfig.stdout), JSON.parse(tested.stdout), "eval --config gives test's report");
  adapter.dispose();
});

test("--task instance on a semantic-only model and --task semantic on an instance model are refused by name", () => {
  const semantic = join(tmp, "unet.json");
  writeFileSync(semantic, JSON.stringify({ ...CONFIG, model: { type: "unet", numClasses: 6, widths: [4, 8] } }));
  const weights = join(tmp, "none.safetensors");
  const weight = torch.zeros([1]);
  torch.saveSafetensors(weights, new Map([["w", weight]]));
  weight.dispose();
  for (const run of [cli("test", semantic, weights, "--task", "instance"), cli("eval", "--task", "instance", "--config", semantic, "--checkpoint", weights)]) {
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /config\.model unet predicts semantic labels only: --task instance needs an instance model/);
  }
  const maskRcnn = join(tmp, "maskrcnn.json");
  writeFileSync(maskRcnn, JSON.stringify({ ...CONFIG, model: { type: "maskrcnn_resnet50_fpn", numClasses: 5 } }));
  const refused = cli("test", maskRcnn, weights, "--task", "semantic");
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /--task semantic: config\.model maskrcnn_resnet50_fpn is an instance model, it predicts instances only/);
});
