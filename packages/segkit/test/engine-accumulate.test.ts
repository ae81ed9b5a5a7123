// Gradient accumulation: k batches of b per optimizer step train exactly like one batch of k·b for a
// model without BatchNorm (the loss of each batch is a mean over equally many pixels, scaled by 1/k);
// a run resumed mid-epoch continues exactly, also when the epoch's batch count is not a multiple of k.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "@segkit/torch";
import { nn, type Tensor } from "@segkit/torch";
import { register } from "../src/config/registry.js";
import { disposeCheckpoint, loadCheckpoint } from "../src/engine/checkpoint.js";
import { Progress } from "../src/engine/progress.js";
import { runConfig } from "../src/engine/run-config.js";
import { train } from "../src/engine/trainer.js";
import { Segmentor } from "../src/models/segmentors/segmentor.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-accumulate-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const quiet = new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 1e9);

/**
 * Two convolutions and a ReLU: no BatchNorm, so a batch's gradient is the sum of its samples'. With
 * `dropout` it draws from the generator in every forward pass, so a resume that runs one pass too many
 * (or too few) ends elsewhere.
 */
class TwoConvs extends Segmentor {
  readonly conv: nn.Conv2d;
  readonly classifier: nn.Conv2d;
  constructor(readonly dropout: boolean) {
    super({ numClasses: 5 });
    this.conv = this.registerModule("conv", new nn.Conv2d(3, 8, 3, { padding: 1 }));
    this.classifier = this.registerModule("classifier", new nn.Conv2d(8, 5, 1));
  }
  forward(x: Tensor): Tensor {
    const h = this.conv.call(x).relu();
    return this.classifier.call(this.dropout ? torch.dropout(h, 0.3, this.training) : h);
  }
}
register<Segmentor>("model", "test_two_convs", { options: ["dropout"], build: (o) => new TwoConvs(o.dropout === true) });

interface Run {
  batchSize: number;
  accumulate: number;
  iters?: number;
  length?: number;
  dropout?: boolean;
  resume?: boolean;
}

async function trainedWeights(name: string, { batchSize, accumulate, iters = 6, length = 16, dropout = false, resume = false }: Run): Promise<Map<string, Tensor>> {
  const workDir = join(tmp, name);
  await train(runConfig({
    model: { type: "test_two_convs", dropout },
    data: {
      train: { dataset: { type: "synthetic", length, size: [24, 24], seed: 1 }, pipeline: [{ type: "normalize" }], batchSize },
      val: { dataset: { type: "synthetic", length: 2, size: [24, 24], seed: 2 }, pipeline: [{ type: "normalize" }], batchSize: 2 },
    },
    optimizer: { type: "sgd", lr: 0.1, momentum: 0.9 },
    schedule: { type: "constant" },
    // 6 steps cross an epoch boundary (16 samples = 4 steps of 4).
    train: { iters, valInterval: 6, checkpointInterval: 6, logInterval: 1, seed: 5, threads: 1, accumulate },
  }), { workDir, progress: quiet, resume });
  const ck = loadCheckpoint(join(workDir, "checkpoints", `iter_${iters}.safetensors`));
  const weights = new Map([...ck.tensors.model].map(([k, t]) => [k, t.clone()]));
  disposeCheckpoint(ck);
  return weights;
}

const maxDifference = (a: Map<string, Tensor>, b: Map<string, Tensor>): number =>
  Math.max(...[...a].map(([k, t]) => torch.tidy(() => t.sub(b.get(k)!).abs().max().item())));

test("accumulate = 2 with batch 2 trains like batch 4; accumulate = 1 with batch 2 does not", async () => {
  const whole = await trainedWeights("batch4", { batchSize: 4, accumulate: 1 });
  const accumulated = await trainedWeights("batch2x2", { batchSize: 2, accumulate: 2 });
  const small = await trainedWeights("batch2", { batchSize: 2, accumulate: 1 });
  const same = maxDifference(whole, accumulated);
  const different = maxDifference(whole, small);
  assert.ok(same < 1e-5, `accumulated vs whole batch: max weight difference ${same}`);
  assert.ok(different > 1e-3, `batch 2 without accumulation differs (${different}), so the comparison can fail`);
  for (const t of [...whole.values(), ...accumulated.values(), ...small.values()]) t.dispose();
});

test("a run resumed mid-epoch with accumulation ends where the uninterrupted one does", async () => {
  // 10 samples in batches of 2 with accumulate 2: 5 batches an epoch, 2 steps, the fifth batch left out.
  const run = { batchSize: 2, accumulate: 2, length: 10, dropout: true };
  const uninterrupted = await trainedWeights("straight", { ...run, iters: 7 });
  const half = await trainedWeights("resumed", { ...run, iters: 3 });
  const resumed = await trainedWeights("resumed", { ...run, iters: 7, resume: true });
  assert.equal(maxDifference(uninterrupted, resumed), 0, "resumed at iteration 3 (mid-epoch) equals uninterrupted");
  assert.ok(maxDifference(uninterrupted, half) > 1e-4, "the comparison can fail");
  for (const t of [...uninterrupted.values(), ...half.values(), ...resumed.values()]) t.dispose();
});

test("accumulate must be a positive integer and fit the epoch", async () => {
  const data = { dataset: { type: "synthetic", length: 8, size: [24, 24] }, batchSize: 2 };
  const config = { model: { type: "test_two_convs" }, data: { train: data, val: data } };
  assert.throws(() => runConfig({ ...config, train: { accumulate: 0 } }), /config\.train\.accumulate must be a positive integer, got 0/);
  assert.throws(() => runConfig({ ...config, train: { accumulate: 1.5 } }), /config\.train\.accumulate must be a positive integer, got 1\.5/);
  const live = torch.liveTensors();
  await assert.rejects(train(runConfig({ ...config, train: { accumulate: 5, threads: 1 } }), { workDir: join(tmp, "too-many"), progress: quiet }),
    /config\.data\.train: fewer samples than 5 × one batch of 2/);
  assert.equal(torch.liveTensors(), live, "the failed run freed what it built");
});
