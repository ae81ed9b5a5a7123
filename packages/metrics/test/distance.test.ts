import assert from "node:assert/strict";
import { test } from "node:test";
import { boundaryIoU, distanceTransform, percentile, squaredDistanceTransform, surfaceDistances } from "../src/index.js";
import { rng } from "./random.js";

type Mask = Uint8Array;
interface Case { mask: Mask; w: number; h: number }

function randomMask(w: number, h: number, rand: () => number): Mask {
  // a few random blobs, sometimes empty
  const m = new Uint8Array(w * h);
  const blobs = Math.floor(rand() * 4);
  for (let b = 0; b < blobs; b++) {
    const cx = rand() * w, cy = rand() * h, r = 1 + rand() * Math.min(w, h) * 0.4;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m[y * w + x] = 1;
  }
  for (let i = 0; i < m.length; i++) if (rand() < 0.03) m[i] ^= 1;
  return m;
}

const cases = (seed: number, n: number): Case[] => {
  const rand = rng(seed);
  return Array.from({ length: n }, () => {
    const w = 1 + Math.floor(rand() * 24), h = 1 + Math.floor(rand() * 24);
    return { mask: randomMask(w, h, rand), w, h };
  });
};

/** Brute force: every pixel against every feature pixel. */
function bruteSquaredEdt(mask: Mask, w: number, h: number, sy: number, sx: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let best = Infinity;
    for (let v = 0; v < h; v++) for (let u = 0; u < w; u++) if (mask[v * w + u]) best = Math.min(best, ((y - v) * sy) ** 2 + ((x - u) * sx) ** 2);
    out.push(best);
  }
  return out;
}

/** Contour pixels as a list of coordinates: foreground with a 4-neighbour off the mask. */
function bruteSurface(mask: Mask, w: number, h: number): [number, number][] {
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && mask[y * w + x] === 1;
  const pts: [number, number][] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    if (on(x, y) && !(on(x - 1, y) && on(x + 1, y) && on(x, y - 1) && on(x, y + 1))) pts.push([y, x]);
  }
  return pts;
}

function bruteDirected(a: [number, number][], b: [number, number][], sy: number, sx: number): number[] {
  return a.map(([y, x]) => Math.min(...b.map(([v, u]) => Math.hypot((y - v) * sy, (x - u) * sx))));
}

test("exact EDT equals brute force on random masks, with and without anisotropic spacing", () => {
  for (const { mask, w, h } of cases(10, 60)) {
    for (const [sy, sx] of [[1, 1], [2.5, 0.7]] as const) {
      const fast = squaredDistanceTransform(mask, { width: w, height: h, spacing: [sy, sx] });
      const slow = bruteSquaredEdt(mask, w, h, sy, sx);
      slow.forEach((v, i) => assert.ok(v === fast[i] || Math.abs(v - fast[i]) <= 1e-9 * v, `${w}×${h} [${sy},${sx}] px ${i}: ${fast[i]} vs ${v}`));
    }
  }
  assert.deepEqual(Array.from(distanceTransform([0, 0, 1, 0], { width: 4, height: 1 })), [2, 1, 0, 1]);
});

test("Hausdorff, HD95 and ASSD equal brute force over the contours", () => {
  const all = cases(11, 80);
  for (let i = 0; i + 1 < all.length; i += 2) {
    const w = all[i].w, h = all[i].h;
    const gt = all[i].mask;
    const pred = randomMask(w, h, rng(i));
    for (const [sy, sx] of [[1, 1], [0.5, 2]] as const) {
      const r = surfaceDistances(pred, gt, { width: w, height: h, spacing: [sy, sx] });
      const ps = bruteSurface(pred, w, h), gs = bruteSurface(gt, w, h);
      if (ps.length === 0 || gs.length === 0) {
        assert.ok(Number.isNaN(r.hausdorff) && Number.isNaN(r.hd95) && Number.isNaN(r.assd));
        continue;
      }
      const a = bruteDirected(ps, gs, sy, sx), b = bruteDirected(gs, ps, sy, sx);
      const pooled = [...a, ...b].sort((x, y) => x - y);
      const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
      const rank = 0.95 * (pooled.length - 1), lo = Math.floor(rank);
      const hd95 = pooled[lo] + (pooled[Math.min(lo + 1, pooled.length - 1)] - pooled[lo]) * (rank - lo);
      const eq = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) <= 1e-9, `${what}: ${x} vs ${y}`);
      eq(r.hausdorff, Math.max(...pooled), "Hausdorff");
      eq(r.hd95, hd95, "HD95");
      eq(r.assd, (mean(a) + mean(b)) / 2, "ASSD");
    }
  }
});

test("percentile interpolates linearly like numpy", () => {
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([0, 10], 95), 9.5);
  assert.equal(percentile([7], 95), 7);
});

test("Boundary IoU equals brute force over the inner bands", () => {
  const all = cases(12, 60);
  for (let i = 0; i + 1 < all.length; i += 2) {
    const { w, h, mask: gt } = all[i];
    const pred = randomMask(w, h, rng(100 + i));
    for (const ratio of [0.02, 0.1, 0.3]) {
      const d = Math.max(Math.round(ratio * Math.hypot(w, h)), 1);
      // band: foreground within d of a background pixel, the image's outside included
      const band = (m: Mask) => Array.from(m, (on, k) => {
        if (!on) return 0;
        const y = Math.floor(k / w), x = k % w;
        let best = Infinity;
        for (let v = -1; v <= h; v++) for (let u = -1; u <= w; u++) {
          const outside = v < 0 || u < 0 || v >= h || u >= w;
          if (outside || !m[v * w + u]) best = Math.min(best, Math.hypot(y - v, x - u));
        }
        return best <= d ? 1 : 0;
      });
      const a = band(pred), b = band(gt);
      let inter = 0, union = 0;
      a.forEach((v, k) => { inter += v & b[k]; union += v | b[k]; });
      const expected = union === 0 ? NaN : inter / union;
      const got = boundaryIoU(pred, gt, { width: w, height: h }, { dilationRatio: ratio });
      assert.ok(Object.is(got, expected) || Math.abs(got - expected) < 1e-12, `${w}×${h} ratio ${ratio}: ${got} vs ${expected}`);
    }
  }
});

test("identical masks: distances 0, Boundary IoU 1; wrong mask size is an error", () => {
  const m = randomMask(16, 12, rng(5));
  m[0] = 1;
  const r = surfaceDistances(m, m, { width: 16, height: 12 });
  assert.deepEqual(r, { hausdorff: 0, hd95: 0, hd95MaxDirected: 0, assd: 0 });
  assert.equal(boundaryIoU(m, m, { width: 16, height: 12 }), 1);
  assert.throws(() => surfaceDistances(m, m, { width: 10, height: 10 }), /mask has 192 pixels, expected 10×10 = 100/);
});
