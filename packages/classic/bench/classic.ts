/**
 * `npm run bench -- classic [--rounds N] [--images N]`: SLIC and Felzenszwalb–Huttenlocher from
 * @segkit/classic against skimage (Debian python3-skimage, compiled Cython) on CamVid val images at
 * 480×360, same parameters and iterations, one core each.
 *
 * Python decodes the images and writes them for this process; it stays up and times one full pass
 * over all images per request, so that passes alternate with ours after both have warmed up. The
 * quality is checked in the same run on the last round's outputs of both sides: SLIC's segment
 * count within 5% and its boundary recall and under-segmentation error (against the CamVid labels)
 * within 1 point of skimage's per image; Felzenszwalb ≥ 99.5% pixel agreement after label matching.
 * The dense CRF (5 mean-field iterations, Gaussian 3/Potts 3 + bilateral 80/13/Potts 10, 21 classes
 * from noisy probabilities made from the ground truth) runs against pydensecrf on the first
 * `--crf-images` images (default 5) when PYDENSECRF names a built checkout of
 * github:lucasb-eyer/pydensecrf (see test/fixtures/make_crf_fixtures.py); its check: MAP labels
 * equal on ≥ 99% of pixels and marginals within 1e-4. Without PYDENSECRF the CRF row says so.
 * The last line is JSON with ratio = our time / the reference's time.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alternate, report, startLinePeer } from "@segkit/bench";
import { boundaryRecall, denseCrf, felzenszwalb, slic, undersegmentationError, type LabelMap } from "../src/index.js";
import { matchedAgreement } from "../test/matching.js";

const SLIC = { n_segments: 400, compactness: 10, max_num_iter: 10 };
const FELZENSZWALB = { scale: 100, sigma: 0.8, min_size: 50 };
const CAMVID_VOID = 11;

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const n = Number(process.argv[at + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${process.argv[at + 1]}"`);
  return n;
}
const ROUNDS = flag("--rounds", 5);
const IMAGES = flag("--images", 20);
const CRF_IMAGES = Math.min(flag("--crf-images", 5), IMAGES);
const CRF_CLASSES = 21;
const PYDENSECRF = process.env.PYDENSECRF;

const SKIMAGE = String.raw`
import json, os, sys, time
import numpy as np
if os.environ.get("PYDENSECRF"):
    sys.path.insert(0, os.environ["PYDENSECRF"])
from PIL import Image
from skimage.segmentation import felzenszwalb, slic
out, camvid, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
params = json.loads(sys.argv[4])
names = sorted(os.listdir(os.path.join(camvid, "val")))[:count]
images = [np.array(Image.open(os.path.join(camvid, "val", n)).convert("RGB")) for n in names]
gts = [np.array(Image.open(os.path.join(camvid, "valannot", n))) for n in names]
np.stack(images).tofile(os.path.join(out, "images.bin"))
np.stack(gts).astype(np.uint8).tofile(os.path.join(out, "gt.bin"))
methods = {
    "slic": lambda im: slic(im, start_label=0, **params["slic"]),
    "felzenszwalb": lambda im: felzenszwalb(im, **params["felzenszwalb"]),
}
crf_images = params["crf"]["images"]
if os.environ.get("PYDENSECRF"):
    import pydensecrf.densecrf as dcrf
    from pydensecrf.utils import unary_from_softmax
    rng = np.random.default_rng(23)
    C = params["crf"]["classes"]
    probs = []
    for gt in gts[:crf_images]:
        shifted = np.roll(gt.astype(np.int64), (3, 2), axis=(0, 1)) % C
        logits = 2.5 * np.eye(C)[shifted].transpose(2, 0, 1) + rng.normal(0, 1.5, size=(C,) + gt.shape)
        p = np.exp(logits - logits.max(0))
        probs.append(np.ascontiguousarray((p / p.sum(0)).astype(np.float32)))
    np.stack(probs).tofile(os.path.join(out, "probs.bin"))
    def crf(i):
        c, h, w = probs[i].shape
        d = dcrf.DenseCRF2D(w, h, c)
        d.setUnaryEnergy(np.ascontiguousarray(unary_from_softmax(probs[i])))
        d.addPairwiseGaussian(sxy=3, compat=3)
        d.addPairwiseBilateral(sxy=80, srgb=13, rgbim=np.array(images[i], order="C"), compat=10)
        return np.array(d.inference(5), dtype=np.float32)
    methods["crf"] = None
print("ready", flush=True)
for line in sys.stdin:  # "shape", or a method: time one full pass, keep the labels, print milliseconds
    name = line.strip()
    if name == "shape":
        h, w = gts[0].shape
        print(json.dumps({"images": len(images), "height": h, "width": w}), flush=True)
        continue
    t = time.perf_counter()
    if name == "crf":
        marginals = [crf(i) for i in range(crf_images)]
        ms = (time.perf_counter() - t) * 1e3
        np.stack(marginals).tofile(os.path.join(out, "crf.bin"))
        print(json.dumps({"ms": ms}), flush=True)
        continue
    labels = [methods[name](im) for im in images]
    ms = (time.perf_counter() - t) * 1e3
    np.stack(labels).astype(np.int32).tofile(os.path.join(out, name + ".bin"))
    print(json.dumps({"ms": ms}), flush=True)
`;

function slices<T extends Uint8Array | Int32Array>(all: T, count: number, size: number): T[] {
  return Array.from({ length: count }, (_, i) => all.subarray(i * size, (i + 1) * size) as T);
}

const camvid = new URL("../../../../../shared/data/camvid", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "segkit-bench-classic-"));
try {
  const peer = await startLinePeer(["-c", SKIMAGE, dir, camvid, String(IMAGES), JSON.stringify({ slic: SLIC, felzenszwalb: FELZENSZWALB, crf: { images: CRF_IMAGES, classes: CRF_CLASSES } })],
    { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" });
  const { images: count, height, width } = JSON.parse(await peer.request("shape")) as { images: number; height: number; width: number };
  const pixels = width * height;
  const rgb = slices(new Uint8Array(readFileSync(join(dir, "images.bin"))), count, 3 * pixels);
  const gts = slices(new Uint8Array(readFileSync(join(dir, "gt.bin"))), count, pixels).map((g): LabelMap => ({ width, height, labels: Int32Array.from(g) }));
  const theirs = (name: string): Int32Array[] => {
    const b = readFileSync(join(dir, `${name}.bin`));
    return slices(new Int32Array(b.buffer, b.byteOffset, b.length / 4), count, pixels);
  };
  const sides = {
    slic: (data: Uint8Array) => slic({ width, height, channels: 3, data }, { nSegments: SLIC.n_segments, compactness: SLIC.compactness, maxIterations: SLIC.max_num_iter }),
    felzenszwalb: (data: Uint8Array) => felzenszwalb({ width, height, channels: 3, data }, { scale: FELZENSZWALB.scale, sigma: FELZENSZWALB.sigma, minSize: FELZENSZWALB.min_size }),
  };
  console.log(`classical segmentation, ${count} CamVid val images of ${width}×${height}, one core; median of ${ROUNDS} alternating full passes after one warm-up pass each`);
  console.log("method         segkit ms/image   skimage ms/image   ratio   quality");
  const figures: Record<string, number> = {};
  for (const name of ["slic", "felzenszwalb"] as const) {
    let last: Int32Array[] = [];
    const r = await alternate({
      ours: {
        round: () => {
          const t = performance.now();
          last = rgb.map((data) => sides[name](data).labels);
          return performance.now() - t;
        },
      },
      peer: { round: async () => (JSON.parse(await peer.request(name)) as { ms: number }).ms },
    }, { rounds: ROUNDS, warmup: 1 });
    const reference = theirs(name);
    let quality: string;
    if (name === "slic") {
      let worst = { count: 0, recall: 0, error: 0 };
      for (let i = 0; i < count; i++) {
        const ours = { width, height, labels: last[i] };
        const ref = { width, height, labels: reference[i] };
        const n = { ours: new Set(last[i]).size, ref: new Set(reference[i]).size };
        const d = {
          count: Math.abs(n.ours - n.ref) / n.ref,
          recall: Math.abs(boundaryRecall(ours, gts[i], { ignoreIndex: CAMVID_VOID }) - boundaryRecall(ref, gts[i], { ignoreIndex: CAMVID_VOID })),
          error: Math.abs(undersegmentationError(ours, gts[i], { ignoreIndex: CAMVID_VOID }) - undersegmentationError(ref, gts[i], { ignoreIndex: CAMVID_VOID })),
        };
        worst = { count: Math.max(worst.count, d.count), recall: Math.max(worst.recall, d.recall), error: Math.max(worst.error, d.error) };
      }
      if (worst.count > 0.05 || worst.recall > 0.01 || worst.error > 0.01) throw new Error(`slic: quality off skimage's: ${JSON.stringify(worst)}`);
      quality = `worst |Δ| count ${(100 * worst.count).toFixed(1)}%, BR ${(100 * worst.recall).toFixed(2)} pt, UE ${(100 * worst.error).toFixed(2)} pt`;
      Object.assign(figures, { slic_worst_count_delta: worst.count, slic_worst_br_delta: worst.recall, slic_worst_ue_delta: worst.error });
    } else {
      const agreement = Math.min(...last.map((labels, i) => matchedAgreement(labels, reference[i])));
      if (agreement < 0.995) throw new Error(`felzenszwalb: only ${agreement} of the pixels agree with skimage after matching`);
      quality = `worst agreement ${(100 * agreement).toFixed(2)}%`;
      figures.felzenszwalb_worst_agreement = agreement;
    }
    figures[`${name}_ours_ms_per_image`] = r.oursMedian / count;
    figures[`${name}_peer_ms_per_image`] = r.peerMedian / count;
    figures[`${name}_ratio`] = r.ratio;
    console.log(`${name.padEnd(14)} ${(r.oursMedian / count).toFixed(1).padStart(15)} ${(r.peerMedian / count).toFixed(1).padStart(18)} ${r.ratio.toFixed(2).padStart(7)}×   ${quality}`);
  }
  if (PYDENSECRF) {
    const probs = new Float32Array(readFileSync(join(dir, "probs.bin")).buffer.slice(0)).subarray(0, CRF_IMAGES * CRF_CLASSES * pixels);
    const inputs = Array.from({ length: CRF_IMAGES }, (_, i) => probs.subarray(i * CRF_CLASSES * pixels, (i + 1) * CRF_CLASSES * pixels));
    let last: Float32Array[] = [];
    const r = await alternate({
      ours: {
        round: () => {
          const t = performance.now();
          last = inputs.map((p, i) => denseCrf(p, CRF_CLASSES, { width, height, channels: 3, data: rgb[i] }).probabilities);
          return performance.now() - t;
        },
      },
      peer: { round: async () => (JSON.parse(await peer.request("crf")) as { ms: number }).ms },
    }, { rounds: ROUNDS, warmup: 1 });
    const reference = new Float32Array(readFileSync(join(dir, "crf.bin")).buffer.slice(0));
    let worst = 0;
    let sameMap = 1;
    last.forEach((q, i) => {
      const ref = reference.subarray(i * CRF_CLASSES * pixels, (i + 1) * CRF_CLASSES * pixels);
      let same = 0;
      for (let p = 0; p < pixels; p++) {
        let a = 0;
        let b = 0;
        for (let c = 0; c < CRF_CLASSES; c++) {
          worst = Math.max(worst, Math.abs(q[c * pixels + p] - ref[c * pixels + p]));
          if (q[c * pixels + p] > q[a * pixels + p]) a = c;
          if (ref[c * pixels + p] > ref[b * pixels + p]) b = c;
        }
        if (a === b) same++;
      }
      sameMap = Math.min(sameMap, same / pixels);
    });
    if (sameMap < 0.99 || worst > 1e-4) throw new Error(`crf: MAP labels equal on ${sameMap} of the pixels, largest marginal difference ${worst}`);
    Object.assign(figures, { crf_ours_ms_per_image: r.oursMedian / CRF_IMAGES, crf_peer_ms_per_image: r.peerMedian / CRF_IMAGES, crf_ratio: r.ratio, crf_worst_map_agreement: sameMap, crf_worst_marginal_delta: worst });
    console.log(`${"crf".padEnd(14)} ${(r.oursMedian / CRF_IMAGES).toFixed(1).padStart(15)} ${(r.peerMedian / CRF_IMAGES).toFixed(1).padStart(18)} ${r.ratio.toFixed(2).padStart(7)}×   worst MAP agreement ${(100 * sameMap).toFixed(2)}%, |ΔQ| ≤ ${worst.toExponential(1)} (pydensecrf, ${CRF_IMAGES} images, ${CRF_CLASSES} classes)`);
  } else {
    console.log("crf            not run: set PYDENSECRF to a built checkout of github:lucasb-eyer/pydensecrf (see test/fixtures/make_crf_fixtures.py)");
  }
  await peer.close();
  report("classic", { images: count, ...figures }, { threads: 1 });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
