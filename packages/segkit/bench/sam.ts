// npm run bench -- sam [--size S] [--variant vit_b|vit_l|vit_h] [--rounds N]: Segment Anything against
// the authors' segment_anything in PyTorch eager (bench/sam_peer.py, from the checkout named by
// SAM_DIR), 2 threads each, the same seeded weights on both sides:
// - the image embedding of one S×S image (default ViT-B at 1024², the model's own size);
// - prompt → mask latency: one click, three masks, logits at the image size, on the same embedding
//   (the peer's SamPredictor and ours are given the seeded input's), with each side's stage medians
//   (prompt encoder, two-way transformer, ...; timed by wrapping the stages' calls on both sides);
// - the same prompt → mask latency with the predictor's onnxruntime decoder (its exported prompt
//   decoder run by onnxruntime-node with as many intra-op threads as libtorch), against the peer
//   again, with the median of its graph runs (the rest: postprocessing in libtorch, conversions).
// Before timing, ours must reproduce the peer's embedding (1e-4 relative to its largest value) and
// its masks, IoU and low-resolution logits for the click (1e-3 relative: the decoder carries the
// embedding's difference), with either decoder. Both sides warm up; rounds alternate. Prints
// medians and, last, a JSON line with the ratios ours/peer.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { alternate, checkClose, median, report, startLinePeer } from "@segkit/bench";
import type { Tensor } from "@segkit/torch";
import * as torch from "@segkit/torch";
import { buildSam, isSamVariant, SamOnnxPromptSession, SamPredictor, type Sam } from "../src/models/sam/index.js";
import { disposeState, seededState, type KeyTable } from "../test/fixtures/reference_weights.js";

const THREADS = 2;
const WARMUP = 1;
const { values: args } = parseArgs({ options: { size: { type: "string", default: "1024" }, variant: { type: "string", default: "vit_b" }, rounds: { type: "string", default: "5" } } });
const SIZE = Number(args.size);
const ROUNDS = Number(args.rounds);
if (!(Number.isInteger(SIZE) && SIZE >= 16 && SIZE % 16 === 0)) throw new Error(`--size: expected a positive multiple of 16, got "${args.size}"`);
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) throw new Error(`--rounds: expected a positive integer, got "${args.rounds}"`);
if (!isSamVariant(args.variant!)) throw new Error(`--variant: expected vit_b, vit_l or vit_h, got "${args.variant}"`);
const checkout = process.env.SAM_DIR;
if (!checkout || !existsSync(join(checkout, "segment_anything/modeling/sam.py"))) {
  throw new Error("SAM_DIR must name a checkout of github:facebookresearch/segment-anything (fetch it with the search tool, then git --git-dir=<its git dir> archive HEAD segment_anything | tar x -C <dir>)");
}
torch.setNumThreads(THREADS);

/** Fails the run unless `actual` is within `relative` × the largest |expected| of `expected` everywhere. */
function checkRelative(what: string, actual: Tensor, expected: Tensor, relative: number): void {
  const scale = torch.tidy(() => expected.abs().max().item());
  const values = (t: Tensor) => torch.tidy(() => t.contiguous().toTypedArray()) as Float32Array;
  checkClose(what, values(actual), values(expected), { rtol: 0, atol: relative * scale });
}

// Stage times of the prompt → mask path, named as bench/sam_peer.py names the
// authors' stages: each stage's call is wrapped on the model instance (the peer uses forward hooks),
// and whatever the stages leave of a round's total is "other" (prompt checks, token concatenation,
// the JS side). Ours makes the dense PE and the decoder's prompt-independent part (image tokens, the
// first two-way block's image-side projections: MaskDecoder.prepareImage) once per image, in
// setEmbedding (0 per prompt); the peer per prompt, inside its "two-way transformer". The
// peer's "upscaling + mask product" is its output_upscaling alone (its mask product, 8 M
// multiply-adds at 1024², is inline and falls in its "other").
interface StageTimer {
  /** Starts a round: the stage times after it go into a new record. */
  start(): void;
  rounds: Record<string, number>[];
}

function wrap<T extends object>(owner: T, method: keyof T & string, add: (ms: number) => void): void {
  const original = owner[method] as (...args: unknown[]) => unknown;
  Object.defineProperty(owner, method, {
    value: (...args: unknown[]) => {
      const start = performance.now();
      try {
        return original.apply(owner, args);
      } finally {
        add(performance.now() - start);
      }
    },
  });
}

function timeDecoderStages(sam: Sam): StageTimer {
  const timer: StageTimer = { rounds: [], start: () => timer.rounds.push({}) };
  const adder = (name: string) => (ms: number) => {
    const round = timer.rounds.at(-1);
    if (round) round[name] = (round[name] ?? 0) + ms;
  };
  const decoder = sam.mask_decoder;
  wrap(sam.prompt_encoder, "call", adder("prompt encoder"));
  wrap(sam.prompt_encoder, "denseEncoding", adder("dense PE"));
  wrap(decoder.transformer, "call", adder("two-way transformer"));
  wrap(decoder, "maskLogits", adder("upscaling + mask product"));
  for (const mlp of decoder.output_hypernetworks_mlps) wrap(mlp, "call", adder("hypernetwork MLPs"));
  wrap(decoder.iou_prediction_head, "call", adder("IoU head"));
  wrap(sam, "postprocessMasks", adder("postprocess"));
  return timer;
}

type StageMedians = Record<string, { oursMs: number; peerMs: number }>;

/** Per-stage medians of both sides' rounds, plus "other": the median of each round's total minus its stages. */
function stageMedians(ours: Record<string, number>[], peer: Record<string, number>[], totals: { ours: number[]; peer: number[] }): StageMedians {
  const names = [...new Set([...ours, ...peer].flatMap((round) => Object.keys(round)))];
  const of = (rounds: Record<string, number>[], name: string) => median(rounds.map((round) => round[name] ?? 0));
  const rest = (rounds: Record<string, number>[], total: number[]) =>
    median(rounds.map((round, i) => total[i] - Object.values(round).reduce((a, b) => a + b, 0)));
  const out: StageMedians = {};
  for (const name of names) out[name] = { oursMs: of(ours, name), peerMs: of(peer, name) };
  out.other = { oursMs: rest(ours, totals.ours), peerMs: rest(peer, totals.peer) };
  return out;
}

const peer = await startLinePeer([fileURLToPath(new URL("../../bench/sam_peer.py", import.meta.url)), "--checkout", checkout, "--variant", args.variant, "--size", String(SIZE), "--threads", String(THREADS)]);
const scratch = mkdtempSync(join(tmpdir(), "segkit-bench-sam-"));
try {
  const sam = buildSam(args.variant, { imgSize: SIZE }).eval();
  const state = seededState(JSON.parse(await peer.request("keys")) as KeyTable, 0);
  sam.loadStateDict(state);
  disposeState(state);
  torch.manualSeed(1);
  const image = torch.randn([1, 3, SIZE, SIZE]);
  const embed = () => torch.tidy(() => torch.inferenceMode(() => sam.image_encoder.call(image)));

  // A fast wrong model must fail the run.
  const file = join(scratch, "embedding.safetensors");
  await peer.request(`check ${file}`);
  const expected = torch.loadSafetensors(file).tensors.get("embedding")!;
  const ours = embed();
  checkRelative("image embedding vs the authors' code", ours, expected, 1e-4);
  const predictor = new SamPredictor(sam);
  predictor.setEmbedding(ours, [SIZE, SIZE], [SIZE, SIZE]);
  const click = { points: [{ x: SIZE * 0.4, y: SIZE * 0.6 }] };
  const masksFile = join(scratch, "masks.safetensors");
  await peer.request(`masks ${masksFile}`);
  const peerMasks = torch.loadSafetensors(masksFile).tensors;
  const session = await SamOnnxPromptSession.create(sam, torch.getNumThreads());
  const graphRuns: number[] = [];
  const runGraph = session.run.bind(session);
  Object.defineProperty(session, "run", {
    value: async (...args: Parameters<typeof runGraph>) => {
      const start = performance.now();
      try {
        return await runGraph(...args);
      } finally {
        graphRuns.push(performance.now() - start);
      }
    },
  });
  const onnx = new SamPredictor(sam, { decoder: "onnxruntime", session });
  onnx.setEmbedding(ours, [SIZE, SIZE], [SIZE, SIZE]);
  for (const [decoder, predicted] of [["libtorch", predictor.predict(click)], ["onnxruntime", await onnx.predictAsync(click)]] as const) {
    for (const [name, actual] of [["masks", predicted.logits], ["iou", predicted.iou], ["low_res", predicted.lowRes]] as const) {
      checkRelative(`prompt ${name} (${decoder} decoder) vs the authors' code`, actual, peerMasks.get(name)!.squeeze(0), 1e-3);
    }
    for (const t of [predicted.logits, predicted.iou, predicted.lowRes]) t.dispose();
  }
  for (const t of [ours, expected, ...peerMasks.values()]) t.dispose();

  const timed = (f: () => void) => () => {
    const start = performance.now();
    f();
    return performance.now() - start;
  };
  const peerTimed = (request: string) => async () => Number(await peer.request(request));
  const embedding = await alternate({ ours: { round: timed(() => embed().dispose()) }, peer: { round: peerTimed("embed") } }, { rounds: ROUNDS, warmup: WARMUP });
  console.log(`image embedding ${args.variant} ${SIZE}²: ours ${embedding.oursMedian.toFixed(0)} ms, authors' eager ${embedding.peerMedian.toFixed(0)} ms (×${embedding.ratio.toFixed(2)})`);

  const oursStages = timeDecoderStages(sam);
  const peerStages: Record<string, number>[] = [];
  const decode = () => {
    oursStages.start();
    const out = predictor.predict(click);
    for (const t of [out.logits, out.iou, out.lowRes]) t.dispose();
  };
  const peerDecode = async () => {
    const { total, stages } = JSON.parse(await peer.request("decode")) as { total: number; stages: Record<string, number> };
    peerStages.push(stages);
    return total;
  };
  const prompt = await alternate({ ours: { round: timed(decode) }, peer: { round: peerDecode } }, { rounds: 5 * ROUNDS, warmup: 3 * WARMUP });
  console.log(`prompt → masks (${SIZE}²): ours ${prompt.oursMedian.toFixed(1)} ms, authors' eager ${prompt.peerMedian.toFixed(1)} ms (×${prompt.ratio.toFixed(2)})`);
  // The warm-up rounds are not counted.
  const stages = stageMedians(oursStages.rounds.slice(3 * WARMUP), peerStages.slice(3 * WARMUP), prompt);
  for (const [name, { oursMs, peerMs }] of Object.entries(stages)) console.log(`  ${name.padEnd(26)} ours ${oursMs.toFixed(1).padStart(7)} ms, authors' ${peerMs.toFixed(1).padStart(7)} ms`);

  const onnxDecode = async () => {
    const start = performance.now();
    const out = await onnx.predictAsync(click);
    const ms = performance.now() - start;
    for (const t of [out.logits, out.iou, out.lowRes]) t.dispose();
    return ms;
  };
  const peerTotal = async () => (JSON.parse(await peer.request("decode")) as { total: number }).total;
  const timedFrom = graphRuns.length;
  const onnxPrompt = await alternate({ ours: { round: onnxDecode }, peer: { round: peerTotal } }, { rounds: 5 * ROUNDS, warmup: 3 * WARMUP });
  // The warm-up rounds are not counted.
  const graphMs = median(graphRuns.slice(timedFrom + 3 * WARMUP));
  console.log(`prompt → masks (${SIZE}²), onnxruntime decoder (${torch.getNumThreads()} intra-op threads): ours ${onnxPrompt.oursMedian.toFixed(1)} ms (graph run ${graphMs.toFixed(1)}), authors' eager ${onnxPrompt.peerMedian.toFixed(1)} ms (×${onnxPrompt.ratio.toFixed(2)})`);
  await onnx.dispose();
  await session.dispose();
  await predictor.dispose();
  image.dispose();
  sam.dispose();
  report("sam", {
    variant: args.variant, size: SIZE, rounds: ROUNDS,
    embedding: { oursMs: embedding.oursMedian, peerMs: embedding.peerMedian, ratio: embedding.ratio },
    promptToMask: { oursMs: prompt.oursMedian, peerMs: prompt.peerMedian, ratio: prompt.ratio, stages },
    promptToMaskOnnxruntime: { oursMs: onnxPrompt.oursMedian, graphMs, peerMs: onnxPrompt.peerMedian, ratio: onnxPrompt.ratio },
  }, { threads: THREADS });
} finally {
  await peer.close();
  rmSync(scratch, { recursive: true, force: true });
}
