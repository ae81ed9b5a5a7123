// 3D Dice and Hausdorff/HD95 with voxel spacing against MONAI's DiceMetric and
// HausdorffDistanceMetric (test/fixtures/monai_volume_metrics.py records the checkout), and the 3D
// distance transform against brute force with anisotropic spacing.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { binaryCounts, binaryScore, dice, distanceTransform, surface, surfaceDistances, type Grid } from "../src/index.js";
import { rng } from "./random.js";

interface Case { shape: number[]; spacing: number[]; pred: number[]; gt: number[]; dice: number[]; hd95: number[]; hausdorff: number[] }
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL("../../test/fixtures/monai_volume_metrics.json", import.meta.url)), "utf8")) as { classes: number; cases: Case[] };

/** An [X][Y][Z] volume (Z fastest) as a grid: X slices of Y rows of Z columns. */
function gridOf(shape: number[], spacing: number[]): Grid {
  return { depth: shape[0], height: shape[1], width: shape[2], spacing: [spacing[0], spacing[1], spacing[2]] };
}

test("3D Dice, Hausdorff and HD95 with spacing equal MONAI's DiceMetric and HausdorffDistanceMetric", () => {
  for (const [n, c] of fixture.cases.entries()) {
    const grid = gridOf(c.shape, c.spacing);
    for (let k = 0; k < fixture.classes; k++) {
      const pred = c.pred.map((v) => (v === k ? 1 : 0));
      const gt = c.gt.map((v) => (v === k ? 1 : 0));
      const what = `case ${n} class ${k}`;
      const d = binaryScore(dice, binaryCounts(pred, gt));
      assert.ok(Math.abs(d - c.dice[k]) < 1e-6, `${what}: Dice ${d} vs MONAI ${c.dice[k]}`);
      const distances = surfaceDistances(pred, gt, grid);
      assert.ok(Math.abs(distances.hd95MaxDirected - c.hd95[k]) < 1e-5 * c.hd95[k], `${what}: HD95 ${distances.hd95MaxDirected} vs MONAI ${c.hd95[k]}`);
      assert.ok(Math.abs(distances.hausdorff - c.hausdorff[k]) < 1e-5 * c.hausdorff[k], `${what}: Hausdorff ${distances.hausdorff} vs MONAI ${c.hausdorff[k]}`);
    }
  }
});

test("3D distance transform equals brute force with anisotropic spacing", () => {
  const rand = rng(22);
  const [depth, height, width] = [5, 6, 7];
  const spacing: [number, number, number] = [2.5, 0.8, 1.3];
  const mask = Uint8Array.from({ length: depth * height * width }, () => (rand() < 0.05 ? 1 : 0));
  mask[17] = 1;
  const d = distanceTransform(mask, { width, height, depth, spacing });
  for (let i = 0; i < mask.length; i++) {
    let best = Infinity;
    for (let j = 0; j < mask.length; j++) {
      if (!mask[j]) continue;
      const dz = (Math.floor(i / (height * width)) - Math.floor(j / (height * width))) * spacing[0];
      const dy = ((Math.floor(i / width) % height) - (Math.floor(j / width) % height)) * spacing[1];
      const dx = ((i % width) - (j % width)) * spacing[2];
      best = Math.min(best, Math.hypot(dz, dy, dx));
    }
    assert.ok(Math.abs(d[i] - best) < 1e-9, `voxel ${i}: ${d[i]} vs ${best}`);
  }
});

test("volume surfaces are 6-connected; a volume with 2 spacings or the wrong size is an error", () => {
  const cube = new Uint8Array(27).fill(1);
  const s = surface(cube, { width: 3, height: 3, depth: 3 });
  assert.deepEqual([...s].map((v, i) => (v ? -1 : i)).filter((i) => i >= 0), [13]);
  assert.throws(() => surface(cube, { width: 3, height: 3, depth: 3, spacing: [1, 1] }), /volume of depth 3 needs 3 spacings/);
  assert.throws(() => surface(cube, { width: 3, height: 3, depth: 2 }), /mask has 27 voxels, expected 3×3×2 = 18/);
});
