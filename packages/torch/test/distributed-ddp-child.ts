// One rank of distributed-ddp.test.ts: forms the group from torchrun's environment variables, runs
// the data-parallel checks on it in order and prints one JSON line with what the test compares, or
// {"error": message}. Each check computes its own single-process reference in this process.
import * as torch from "../src/index.js";
import { broadcastCoalesced } from "../src/distributed/broadcast-coalesced.js";

const { nn } = torch;
const { initProcessGroup, DistributedDataParallel, convertSyncBatchNorm } = torch.distributed;
type ProcessGroup = torch.distributed.ProcessGroup;
type Tensor = torch.Tensor;

const timeoutMs = Number(process.env.SEGKIT_DIST_TIMEOUT_MS ?? 10_000);
const CLASSES = 3;

function tinyModel(width = 4): torch.nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(3, width, 3, { padding: 1 }), new nn.BatchNorm2d(width), new nn.ReLU(), new nn.Conv2d(width, CLASSES, 1));
}

// A model with a branch forward never takes: its parameters get no gradient.
class WithUnusedBranch extends nn.Module {
  readonly main = this.registerModule("main", tinyModel());
  readonly extra = this.registerModule("extra", new nn.Conv2d(3, 2, 1));
  forward(x: Tensor): Tensor { return this.main.call(x); }
}

// Sample i of the data set, the same in every process: a 3×8×8 image and its 8×8 labels.
function sample(i: number): { image: Tensor; label: Tensor } {
  const saved = torch.getRngState();
  torch.manualSeed(1000 + i);
  const image = torch.randn([1, 3, 8, 8]);
  const label = torch.randint(0, CLASSES, [1, 8, 8], { dtype: "int64" });
  torch.setRngState(saved);
  saved.dispose();
  return { image, label };
}

function batch(indices: number[]): { images: Tensor; labels: Tensor } {
  const samples = indices.map(sample);
  const images = torch.cat(samples.map((s) => s.image), 0);
  const labels = torch.cat(samples.map((s) => s.label), 0);
  for (const s of samples) [s.image, s.label].forEach((t) => t.dispose());
  return { images, labels };
}

// The models here map images to logits; DistributedDataParallel holds them as plain Modules.
const logits = (model: torch.nn.Module, images: Tensor) => (model as torch.nn.Sequential).call(images);

function lossOf(model: torch.nn.Module, indices: number[]): Tensor {
  return torch.tidy(() => {
    const { images, labels } = batch(indices);
    return torch.crossEntropyLoss(logits(model, images), labels);
  });
}

const flatGrads = (model: torch.nn.Module) => model.parameters().flatMap((p) => (p.grad === null ? [] : (p.grad.toArray() as number[])));
const flatParams = (model: torch.nn.Module) => [...model.parameters(), ...model.buffers()].flatMap((p) => p.toArray() as number[]);
const stateOf = (model: torch.nn.Module) => [...model.parameters(), ...model.buffers()].map((p) => p.toArray() as number[]);

/** The largest relative difference of one tensor of the state to the same tensor of `reference`. */
const worstRelativeDifference = (state: number[][], reference: number[][]) => Math.max(...state.map((t, i) => relativeDifference(t, reference[i])));

/** max |a − b| / max |b|. */
function relativeDifference(a: number[], b: number[]): number {
  if (a.length !== b.length) return Infinity;
  const scale = Math.max(...b.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

async function plainBackward(model: torch.nn.Module, indices: number[]): Promise<void> {
  const loss = lossOf(model, indices);
  loss.backward();
  loss.dispose();
}

async function ddpBackward(ddp: torch.distributed.DistributedDataParallel, indices: number[]): Promise<void> {
  const loss = lossOf(ddp.module, indices);
  try {
    await ddp.backward(loss);
  } finally {
    loss.dispose();
  }
}

const zeroGrads = (model: torch.nn.Module) => torch.noGrad(() => model.parameters().forEach((p) => p.grad?.zero_()));

// Ranks start from different weights; after create() every rank holds rank 0's. One synchronized
// backward, then an accumulation of two (noSync, then synchronized), each against this rank's own
// gradients (which the test averages over the ranks).
async function averaging(group: ProcessGroup) {
  const r = group.rank;
  torch.manualSeed(1 + r);
  const model = tinyModel();
  const initial = flatParams(model);
  const ddp = await DistributedDataParallel.create(model, group);
  const broadcast = flatParams(model);
  const mine = [2 * r, 2 * r + 1];
  const more = [4 + 2 * r, 5 + 2 * r];

  await plainBackward(model, mine);
  const local = flatGrads(model);
  zeroGrads(model);
  await ddpBackward(ddp, mine);
  const averaged = flatGrads(model);

  zeroGrads(model);
  await plainBackward(model, mine);
  await plainBackward(model, more);
  const localAccumulated = flatGrads(model);
  zeroGrads(model);
  await ddp.noSync(() => ddpBackward(ddp, mine));
  const afterNoSync = flatGrads(model);
  await ddpBackward(ddp, more);
  const accumulated = flatGrads(model);
  ddp.destroy();
  model.dispose();
  return { initial, broadcast, local, averaged, localAccumulated, afterNoSync, accumulated };
}

// Without findUnusedParameters the second backward names the parameters that got no gradient;
// with it, training goes on and they keep no gradient.
async function unused(group: ProcessGroup) {
  torch.manualSeed(3);
  const strictModel = new WithUnusedBranch();
  const strict = await DistributedDataParallel.create(strictModel, group);
  await ddpBackward(strict, [group.rank]);
  const strictError = await ddpBackward(strict, [group.rank]).then(() => "no error", (e: Error) => e.message);
  strict.destroy();
  strictModel.dispose();

  const model = new WithUnusedBranch();
  const ddp = await DistributedDataParallel.create(model, group, { findUnusedParameters: true });
  for (let step = 0; step < 3; step++) await ddpBackward(ddp, [group.rank + 2 * step]);
  const extraGrads = model.extra.parameters().map((p) => p.grad === null);
  const mainGrads = flatGrads(model.main);
  ddp.destroy();
  model.dispose();
  return { strictError, extraGradsNull: extraGrads, mainGrads };
}

// Rank 1 builds a wider model: every rank's create() fails naming the first parameter that differs.
async function mismatch(group: ProcessGroup) {
  const model = tinyModel(group.rank === 1 ? 5 : 4);
  const error = await DistributedDataParallel.create(model, group).then(() => "no error", (e: Error) => e.message);
  model.dispose();
  return error;
}

// SyncBatchNorm on 2 samples per rank against BatchNorm2d over all 4 in this process: outputs,
// input gradients, the parameters' gradients (summed over ranks: SyncBatchNorm leaves them local)
// and the running statistics.
async function syncBatchNorm(group: ProcessGroup) {
  const r = group.rank;
  const build = () => {
    torch.manualSeed(7);
    const m = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4));
    torch.noGrad(() => {
      (m.at(1) as torch.nn.BatchNorm2d).weight!.uniform_(0.5, 1.5);
      (m.at(1) as torch.nn.BatchNorm2d).bias!.uniform_(-0.5, 0.5);
    });
    return m;
  };
  torch.manualSeed(8);
  const x = torch.randn([4, 3, 6, 6]).mul(2).add(0.5);
  const weights = torch.randn([4, 4, 4, 4]);

  const reference = build();
  const xAll = x.clone();
  xAll.requiresGrad = true;
  const outAll = reference.call(xAll) as Tensor;
  const lossAll = outAll.mul(weights).sum();
  lossAll.backward();

  const synced = build();
  const converted = convertSyncBatchNorm(synced, group);
  const xMine = x.narrow(0, 2 * r, 2).clone();
  xMine.requiresGrad = true;
  const outMine = synced.call(xMine) as Tensor;
  const lossMine = outMine.mul(weights.narrow(0, 2 * r, 2)).sum();
  lossMine.backward();
  const paramGrads = torch.cat(synced.parameters().map((p) => p.grad!.flatten()));
  await group.allReduce(paramGrads, "sum");

  const result = {
    converted,
    output: relativeDifference(outMine.toArray() as number[], outAll.narrow(0, 2 * r, 2).toArray() as number[]),
    inputGrad: relativeDifference(xMine.grad!.toArray() as number[], xAll.grad!.narrow(0, 2 * r, 2).toArray() as number[]),
    paramGrads: relativeDifference(paramGrads.toArray() as number[], flatGrads(reference)),
    runningStats: relativeDifference(synced.buffers().flatMap((b) => b.toArray() as number[]), reference.buffers().flatMap((b) => b.toArray() as number[])),
  };
  for (const t of [x, weights, xAll, outAll, lossAll, xMine, outMine, lossMine, paramGrads]) t.dispose();
  reference.dispose();
  synced.dispose();
  return result;
}

// Plain BatchNorm (no SyncBatchNorm): each rank's forward updates the running statistics from its
// own samples. The buffers are read right after each beforeForward() of a sequence of synchronized
// forwards and one noSync forward (fourth), then once more; the test compares them across ranks.
const BUFFER_STEPS: ("sync" | "noSync")[] = ["sync", "sync", "sync", "noSync", "sync"];

async function buffers(group: ProcessGroup, broadcastBuffers: boolean) {
  const r = group.rank;
  torch.manualSeed(30 + r);
  const model = tinyModel();
  const ddp = await DistributedDataParallel.create(model, group, { broadcastBuffers });
  const read = () => model.buffers().map((b) => b.toArray() as number[]);
  const beforeSync: number[][][] = [];
  const afterSync: number[][][] = [];
  const sync = async () => {
    beforeSync.push(read());
    await ddp.beforeForward();
    afterSync.push(read());
  };
  for (const [step, kind] of BUFFER_STEPS.entries()) {
    const forwardBackward = async () => {
      await sync();
      await ddpBackward(ddp, [4 * step + 2 * r, 4 * step + 2 * r + 1]);
    };
    if (kind === "noSync") await ddp.noSync(forwardBackward);
    else await forwardBackward();
  }
  await sync();
  const dtypes = model.buffers().map((b) => b.dtype);
  ddp.destroy();
  model.dispose();
  return { beforeSync, afterSync, dtypes };
}

// broadcastCoalesced in buckets of at most 16 bytes: float32, int64 (0-d) and float64 tensors, one
// larger than a bucket, each rank's own values before; rank 0's after.
async function coalesced(group: ProcessGroup) {
  const k = group.rank + 1;
  const tensors = [torch.arange(3, { dtype: "float32" }).add(k), torch.tensor(7 * k, { dtype: "int64" }), torch.arange(10).mul(k).reshape([2, 5]), torch.randn([2], { dtype: "float64" }).add(k)];
  const before = tensors.map((t) => t.toArray() as number[]);
  await broadcastCoalesced(group, tensors, 0, 16);
  const after = tensors.map((t) => t.toArray() as number[]);
  const shapes = tensors.map((t) => t.shape);
  for (const t of tensors) t.dispose();
  return { before, after, shapes };
}

// 20 SGD steps: 2 ranks × batch 2 (SyncBatchNorm, DDP) against 1 process × batch 4 (BatchNorm).
const STEPS = 20;
const globalBatch = (step: number) => [0, 1, 2, 3].map((k) => (4 * step + k) % 12);

async function equivalence(group: ProcessGroup) {
  const r = group.rank;
  const optimizerFor = (m: torch.nn.Module) => new torch.optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
  torch.manualSeed(20 + r);  // rank 1's own start is replaced by rank 0's
  const model = tinyModel();
  convertSyncBatchNorm(model, group);
  const ddp = await DistributedDataParallel.create(model, group);
  const optimizer = optimizerFor(model);
  for (let step = 0; step < STEPS; step++) {
    optimizer.zeroGrad();
    await ddpBackward(ddp, globalBatch(step).slice(2 * r, 2 * r + 2));
    optimizer.step();
  }
  const distributed = stateOf(model);
  ddp.destroy();
  optimizer.dispose();
  model.dispose();

  torch.manualSeed(20);
  const single = tinyModel();
  const singleOptimizer = optimizerFor(single);
  for (let step = 0; step < STEPS; step++) {
    singleOptimizer.zeroGrad();
    await plainBackward(single, globalBatch(step));
    singleOptimizer.step();
  }
  const reference = stateOf(single);
  singleOptimizer.dispose();
  single.dispose();
  return { distributed, difference: worstRelativeDifference(distributed, reference), moved: movedMost(reference) };
}

// How far training moved the parameters (the largest relative move; the conv bias before BatchNorm gets no gradient and stays).
function movedMost(trained: number[][]): number {
  torch.manualSeed(20);
  const fresh = tinyModel();
  const parameters = fresh.parameters().length;
  const out = Math.max(...stateOf(fresh).slice(0, parameters).map((t, i) => relativeDifference(t, trained[i])));
  fresh.dispose();
  return out;
}

async function run(): Promise<unknown> {
  const group = await initProcessGroup({ timeoutMs });
  try {
    const started = Date.now();
    const out = {
      rank: group.rank,
      averaging: await averaging(group),
      unused: await unused(group),
      mismatch: await mismatch(group),
      syncBatchNorm: await syncBatchNorm(group),
      buffers: await buffers(group, true),
      buffersKept: await buffers(group, false),
      coalesced: await coalesced(group),
      equivalence: await equivalence(group),
    };
    return { ...out, seconds: (Date.now() - started) / 1000 };
  } finally {
    await group.destroy();
  }
}

try {
  console.log(JSON.stringify(await run()));
} catch (e) {
  console.log(JSON.stringify({ error: (e as Error).stack ?? String(e) }));
}
