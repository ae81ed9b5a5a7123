// npm run bench -- sam [--size S] [--variant vit_b|vit_l|vit_h] [--rounds N]: Segment Anything against
// the authors' segment_anything in PyTorch eager (bench/sam_peer.py, from the checkout named by
// SAM_DIR), 2 threads each, the same seeded weights on both sides:
// - the image embedding of one S×S image (default ViT-B at 1024², the model's own size);
// - prompt → mask latency: one click, three masks, logits at the image size, on a cached embedding.
// Before timing, ours must reproduce the peer's embedding (1e-4 relative to its largest value). Both
// sides warm up; rounds alternate. Prints medians and, last, a JSON line with the ratios ours/peer.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { alternate, checkClose, report, startLinePeer } from "@segkit/bench";
import * as torch from "@segkit/torch";
import { buildSam, isSamVariant, SamPredictor } from "../src/models/sam/index.js";
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
  const scale = torch.tidy(() => expected.abs().max().item());
  checkClose("image embedding vs the authors' code", ours.toTypedArray() as Float32Array, expected.toTypedArray() as Float32Array, { rtol: 0, atol: 1e-4 * scale });
  for (const t of [ours, expected]) t.dispose();

  const timed = (f: () => void) => () => {
    const start = performance.now();
    f();
    return performance.now() - start;
  };
  const peerTimed = (request: string) => async () => Number(await peer.request(request));
  const embedding = await alternate({ ours: { round: timed(() => embed().dispose()) }, peer: { round: peerTimed("embed") } }, { rounds: ROUNDS, warmup: WARMUP });
  console.log(`image embedding ${args.variant} ${SIZE}²: ours ${embedding.oursMedian.toFixed(0)} ms, authors' eager ${embedding.peerMedian.toFixed(0)} ms (×${embedding.ratio.toFixed(2)})`);

  const predictor = new SamPredictor(sam);
  predictor.setResizedImage(torch.tidy(() => image.mul(0)), [SIZE, SIZE]);
  const click = { points: [{ x: SIZE * 0.4, y: SIZE * 0.6 }] };
  const decode = () => {
    const out = predictor.predict(click);
    for (const t of [out.logits, out.iou, out.lowRes]) t.dispose();
  };
  const prompt = await alternate({ ours: { round: timed(decode) }, peer: { round: peerTimed("decode") } }, { rounds: 5 * ROUNDS, warmup: 3 * WARMUP });
  console.log(`prompt → masks (${SIZE}²): ours ${prompt.oursMedian.toFixed(1)} ms, authors' eager ${prompt.peerMedian.toFixed(1)} ms (×${prompt.ratio.toFixed(2)})`);
  predictor.dispose();
  image.dispose();
  sam.dispose();
  report("sam", {
    variant: args.variant, size: SIZE, rounds: ROUNDS,
    embedding: { oursMs: embedding.oursMedian, peerMs: embedding.peerMedian, ratio: embedding.ratio },
    promptToMask: { oursMs: prompt.oursMedian, peerMs: prompt.peerMedian, ratio: prompt.ratio },
  }, { threads: THREADS });
} finally {
  await peer.close();
  rmSync(scratch, { recursive: true, force: true });
}
