/**
 * `npm run bench -- metrics`: confusion-matrix update over CamVid-sized 8-bit label maps, segkit
 * against the numpy bincount reference (the peer's code), in the same run on the same data.
 *
 * Data: the 101 CamVid val label maps (480×360) as ground truth; predictions are (a) "plausible":
 * the ground truth shifted by (1, 2) pixels with four wrong 60×40 rectangles, like a model's
 * boundary and blob errors, and (b) "noise": i.i.d. uniform classes, the worst case for run-based
 * counting. Python prepares both and writes the maps for this process; it stays up and times one
 * full numpy pass per request, so that passes alternate with ours after both have warmed up. Each
 * pass's matrix must equal numpy's. Prints medians; the last line is JSON with ratio = ours / numpy
 * throughput.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alternate, report, startLinePeer } from "@segkit/bench";
import { ConfusionMatrix } from "../src/index.js";

const K = 11;
const IGNORE = 11;
const REPEATS = 9;
const WARMUP = 3; // passes that let the JIT (ours) and the caches (both) settle

const NUMPY = String.raw`
import glob, json, os, sys, time
import numpy as np
from PIL import Image
out, k, ignore = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
files = sorted(glob.glob(os.path.join(sys.argv[4], "*.png")))
gts = [np.array(Image.open(f)) for f in files]
h, w = gts[0].shape
rng = np.random.default_rng(0)
def plausible(g):
    y = np.minimum(np.arange(h) + 1, h - 1)[:, None]
    x = np.minimum(np.arange(w) + 2, w - 1)[None, :]
    p = g[y, x] % k
    for _ in range(4):
        y0, x0, c = rng.integers(0, h), rng.integers(0, w), rng.integers(0, k)
        p[y0:y0 + 40, x0:x0 + 60] = c
    return p.astype(np.uint8)
cases = {"plausible": [plausible(g) for g in gts],
         "noise": [rng.integers(0, k, size=(h, w), dtype=np.uint8) for _ in gts]}
def update(hist, gt, pr):  # the peer's per-image update (pytorch_peer.py metrics)
    gt = gt.astype(np.int64).ravel(); pr = pr.astype(np.int64).ravel()
    keep = (gt >= 0) & (gt < k)
    keep &= gt != ignore
    hist += np.bincount(k * gt[keep] + pr[keep], minlength=k * k).reshape(k, k)
np.concatenate([g.ravel() for g in gts]).tofile(os.path.join(out, "gt.bin"))
for name, preds in cases.items():
    np.concatenate([p.ravel() for p in preds]).tofile(os.path.join(out, name + ".bin"))
print("ready", flush=True)
for line in sys.stdin:  # "shape", or a case name: time one full pass, print milliseconds and the matrix
    if line.strip() == "shape":
        print(json.dumps({"images": len(gts), "height": h, "width": w}), flush=True)
        continue
    preds = cases[line.strip()]
    hist = np.zeros((k, k), dtype=np.int64)
    t = time.perf_counter()
    for g, p in zip(gts, preds):
        update(hist, g, p)
    print(json.dumps({"ms": (time.perf_counter() - t) * 1e3, "hist": hist.ravel().tolist()}), flush=True)
`;

/** Milliseconds of one full pass over all images; the matrix must equal numpy's of the same round. */
function oursPass(gts: Uint8Array[], preds: Uint8Array[]): { ms: number; counts: number[] } {
  const matrix = new ConfusionMatrix(K, { ignoreIndex: IGNORE });
  const t = performance.now();
  for (let i = 0; i < gts.length; i++) matrix.update(preds[i], gts[i]);
  return { ms: performance.now() - t, counts: Array.from(matrix.counts) };
}

function split(file: string, images: number, pixels: number): Uint8Array[] {
  const all = readFileSync(file);
  // One aligned copy per image, as a decoder would hand them over.
  return Array.from({ length: images }, (_, i) => new Uint8Array(all.subarray(i * pixels, (i + 1) * pixels)));
}

const camvid = new URL("../../../../../shared/data/camvid/valannot", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "segkit-bench-metrics-"));
try {
  const peer = await startLinePeer(["-c", NUMPY, dir, String(K), String(IGNORE), camvid], { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" });
  const shape = JSON.parse(await peer.request("shape")) as { images: number; height: number; width: number };
  const pixels = shape.height * shape.width;
  const total = shape.images * pixels;
  const gts = split(join(dir, "gt.bin"), shape.images, pixels);
  const results: Record<string, { ours: number; peer: number }> = {};
  console.log(`confusion-matrix update, ${shape.images} CamVid val maps of ${shape.width}×${shape.height}, K=${K}, ignore ${IGNORE}, one core`);
  console.log(`medians of ${REPEATS} alternating full passes after ${WARMUP} warm-up passes each`);
  console.log("predictions   segkit Mpx/s   numpy Mpx/s   ratio");
  for (const name of ["plausible", "noise"]) {
    const preds = split(join(dir, `${name}.bin`), shape.images, pixels);
    const matrices = { ours: new Map<number, number[]>(), peer: new Map<number, number[]>() };
    const r = await alternate({
      ours: { round: (i) => { const p = oursPass(gts, preds); matrices.ours.set(i, p.counts); return p.ms; } },
      peer: { round: async (i) => { const p = JSON.parse(await peer.request(name)) as { ms: number; hist: number[] }; matrices.peer.set(i, p.hist); return p.ms; } },
    }, { rounds: REPEATS, warmup: WARMUP });
    for (const [i, counts] of matrices.ours) {
      if (counts.some((v, j) => v !== matrices.peer.get(i)![j])) throw new Error(`${name}, pass ${i}: segkit and numpy matrices differ`);
    }
    const oursMpx = total / r.oursMedian / 1e3;
    const peerMpx = total / r.peerMedian / 1e3;
    results[name] = { ours: oursMpx, peer: peerMpx };
    console.log(`${name.padEnd(12)} ${oursMpx.toFixed(0).padStart(9)} ${peerMpx.toFixed(0).padStart(13)} ${(oursMpx / peerMpx).toFixed(1).padStart(9)}×`);
  }
  await peer.close();
  const main = results.plausible;
  report("metrics", {
    ours_mpx_s: main.ours,
    peer_mpx_s: main.peer,
    ratio: main.ours / main.peer,
    noise_ours_mpx_s: results.noise.ours,
    noise_peer_mpx_s: results.noise.peer,
    noise_ratio: results.noise.ours / results.noise.peer,
  }, { threads: 1 });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
