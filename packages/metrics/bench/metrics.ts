/**
 * `npm run bench -- metrics`: confusion-matrix update over CamVid-sized 8-bit label maps, segkit
 * against the numpy bincount reference (the peer's code), in the same run on the same data.
 *
 * Data: the 101 CamVid val label maps (480×360) as ground truth; predictions are (a) "plausible":
 * the ground truth shifted by (1, 2) pixels with four wrong 60×40 rectangles, like a model's
 * boundary and blob errors, and (b) "noise": i.i.d. uniform classes, the worst case for run-based
 * counting. Python prepares both, times numpy, and writes the maps for this process to time.
 * Prints medians of several full passes; the last line is JSON with ratio = numpy time / ours.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfusionMatrix } from "../src/index.js";

const PYTHON = "/usr/bin/python3"; // Debian's python with numpy (the pyenv one on PATH has none)
const K = 11;
const IGNORE = 11;
const REPEATS = 9;

const NUMPY = String.raw`
import glob, json, os, sys, time
import numpy as np
from PIL import Image
out, k, ignore, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
files = sorted(glob.glob(os.path.join(sys.argv[5], "*.png")))
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
res = {"images": len(gts), "height": h, "width": w}
for name, preds in cases.items():
    np.concatenate([p.ravel() for p in preds]).tofile(os.path.join(out, name + ".bin"))
    times = []
    for r in range(repeats + 1):
        hist = np.zeros((k, k), dtype=np.int64)
        t = time.perf_counter()
        for g, p in zip(gts, preds):
            update(hist, g, p)
        if r > 0:  # the first pass warms up
            times.append(time.perf_counter() - t)
    res[name] = {"ms": sorted(times)[len(times) // 2] * 1e3, "hist": hist.ravel().tolist()}
print(json.dumps(res))
`;

interface PeerCase {
  ms: number;
  hist: number[];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median milliseconds of a full pass over all images, and the matrix of the last pass. */
function timeOurs(gts: Uint8Array[], preds: Uint8Array[]): { ms: number; counts: number[] } {
  const times: number[] = [];
  let matrix = new ConfusionMatrix(K, { ignoreIndex: IGNORE });
  for (let r = 0; r < REPEATS + 3; r++) {
    matrix = new ConfusionMatrix(K, { ignoreIndex: IGNORE });
    const t = performance.now();
    for (let i = 0; i < gts.length; i++) matrix.update(preds[i], gts[i]);
    if (r >= 3) times.push(performance.now() - t); // three passes let the JIT settle
  }
  return { ms: median(times), counts: Array.from(matrix.counts) };
}

function split(file: string, images: number, pixels: number): Uint8Array[] {
  const all = readFileSync(file);
  // One aligned copy per image, as a decoder would hand them over.
  return Array.from({ length: images }, (_, i) => new Uint8Array(all.subarray(i * pixels, (i + 1) * pixels)));
}

const camvid = new URL("../../../../../shared/data/camvid/valannot", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "segkit-bench-metrics-"));
try {
  const peer = JSON.parse(
    execFileSync(PYTHON, ["-c", NUMPY, dir, String(K), String(IGNORE), String(REPEATS), camvid], {
      encoding: "utf8",
      env: { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" },
    }),
  );
  const pixels = peer.height * peer.width;
  const total = peer.images * pixels;
  const gts = split(join(dir, "gt.bin"), peer.images, pixels);
  const results: Record<string, { ours: number; peer: number }> = {};
  console.log(`confusion-matrix update, ${peer.images} CamVid val maps of ${peer.width}×${peer.height}, K=${K}, ignore ${IGNORE}, one core`);
  console.log(`medians of ${REPEATS} full passes`);
  console.log("predictions   segkit Mpx/s   numpy Mpx/s   ratio");
  for (const name of ["plausible", "noise"]) {
    const theirs = peer[name] as PeerCase;
    const ours = timeOurs(gts, split(join(dir, `${name}.bin`), peer.images, pixels));
    if (ours.counts.some((v, i) => v !== theirs.hist[i])) throw new Error(`${name}: segkit and numpy matrices differ`);
    const oursMpx = total / ours.ms / 1e3;
    const peerMpx = total / theirs.ms / 1e3;
    results[name] = { ours: oursMpx, peer: peerMpx };
    console.log(`${name.padEnd(12)} ${oursMpx.toFixed(0).padStart(9)} ${peerMpx.toFixed(0).padStart(13)} ${(theirs.ms / ours.ms).toFixed(1).padStart(9)}×`);
  }
  const main = results.plausible;
  console.log(
    JSON.stringify({
      suite: "metrics",
      ours_mpx_s: main.ours,
      peer_mpx_s: main.peer,
      ratio: main.ours / main.peer,
      noise_ours_mpx_s: results.noise.ours,
      noise_peer_mpx_s: results.noise.peer,
      noise_ratio: results.noise.ours / results.noise.peer,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
