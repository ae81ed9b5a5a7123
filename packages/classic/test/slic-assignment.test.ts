import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../src/random.js";
import { regularGrid } from "../src/regular-grid.js";
import { assignmentState, assignPixels, type AssignmentOptions, type AssignmentState } from "../src/slic-assignment.js";
import { assignToNearestSeed, seedCentres, seedGrid, type SeedGrid } from "../src/slic-first-assignment.js";

// SLIC's assignment skips pixels a centre cannot win and answers the first step from the seed grid.
// Both must give what skimage's plain loop gives: every centre in index order over its whole window,
// a pixel taken when strictly nearer. That loop is restated here as the definition (the skimage
// parity of whole runs is in slic.test.ts); features on a coarse lattice make ties frequent.

function plainStep(state: AssignmentState, o: AssignmentOptions): { labels: Int32Array; distance: Float64Array } {
  const { feature, width, height, channels, centres, k, colourScale } = state;
  const labels = state.labels.slice();
  const distance = new Float64Array(width * height).fill(Number.MAX_VALUE);
  const stride = 2 + channels;
  for (let s = 0; s < k; s++) {
    const cy = centres[s * stride];
    const cx = centres[s * stride + 1];
    if (Number.isNaN(cy)) continue;
    for (let y = Math.trunc(Math.max(cy - o.windowY, 0)); y < Math.trunc(Math.min(cy + o.windowY + 1, height)); y++) {
      for (let x = Math.trunc(Math.max(cx - o.windowX, 0)); x < Math.trunc(Math.min(cx + o.windowX + 1, width)); x++) {
        const p = y * width + x;
        let colour = 0;
        for (let c = 0; c < channels; c++) {
          const t = feature[p * channels + c] - centres[s * stride + 2 + c];
          colour += t * t;
        }
        const d = ((cy - y) * (cy - y) + (cx - x) * (cx - x)) * o.spatialWeight + colour * colourScale[s];
        if (distance[p] > d) {
          distance[p] = d;
          labels[p] = s;
        }
      }
    }
  }
  return { labels, distance };
}

function randomImage(random: () => number, width: number, height: number, channels: number, levels: number): Float64Array {
  const feature = new Float64Array(width * height * channels);
  for (let i = 0; i < feature.length; i++) feature[i] = Math.floor(random() * levels) / 4;
  return feature;
}

function grid(width: number, height: number, n: number): { seeds: SeedGrid; options: AssignmentOptions } {
  const seeds = seedGrid(height, width, n);
  const window = regularGrid(height, width, seeds.rows * seeds.cols);
  const step = Math.max(seeds.y.step, seeds.x.step);
  return { seeds, options: { spatialWeight: 1 / (step * step), windowY: 2 * window.y.step, windowX: 2 * window.x.step } };
}

test("the pruned step gives the plain loop's labels and distances from any earlier labels", () => {
  const random = seededRandom(23);
  for (let trial = 0; trial < 60; trial++) {
    const width = 5 + Math.floor(random() * 60);
    const height = 5 + Math.floor(random() * 40);
    const channels = [1, 2, 3][trial % 3];
    const { seeds, options } = grid(width, height, 1 + Math.floor(random() * 40));
    const centres = seedCentres(seeds, channels);
    const k = seeds.rows * seeds.cols;
    const feature = randomImage(random, width, height, channels, trial % 2 === 0 ? 3 : 200);
    const state = assignmentState(feature, width, height, channels, centres, k);
    for (let s = 0; s < k; s++) {
      for (let c = 0; c < channels; c++) centres[s * (2 + channels) + 2 + c] = Math.floor(random() * 3) / 4;
      state.colourScale[s] = trial % 4 === 1 ? 1 / (1 + Math.floor(random() * 3)) : 1;
    }
    // Earlier labels as a step leaves them (so that most rows are skipped), some changed to any centre or none.
    state.labels.set(plainStep(state, options).labels);
    for (let p = 0; p < state.labels.length; p++) if (random() < 0.05) state.labels[p] = Math.floor(random() * (k + 1)) - 1;
    // Then the centres move (some to whole pixels, for ties); one loses its pixels.
    for (let s = 0; s < k; s++) {
      const at = s * (2 + channels);
      centres[at] = Math.min(height - 1, Math.max(0, centres[at] + (random() - 0.5) * 6));
      centres[at + 1] = Math.min(width - 1, Math.max(0, centres[at + 1] + (random() - 0.5) * 6));
      if (random() < 0.5) [centres[at], centres[at + 1]] = [Math.round(centres[at]), Math.round(centres[at + 1])];
      for (let c = 0; c < channels; c++) if (random() < 0.3) centres[at + 2 + c] = Math.floor(random() * 3) / 4;
    }
    if (k > 2) centres[(2 + channels) * Math.floor(random() * k)] = NaN;
    const expected = plainStep(state, options);
    assert.ok(assignPixels(state, options));
    assert.deepEqual(state.labels, expected.labels, `trial ${trial}: labels`);
    assert.deepEqual(state.distance, expected.distance, `trial ${trial}: distances`);
  }
});

test("the first step from the seed grid is the plain loop's, and declines where rounding could tie distinct distances", () => {
  const random = seededRandom(5);
  for (let trial = 0; trial < 40; trial++) {
    const width = 3 + Math.floor(random() * 70);
    const height = 3 + Math.floor(random() * 50);
    const channels = [1, 3][trial % 2];
    const { seeds, options } = grid(width, height, 1 + Math.floor(random() * Math.min(60, width * height)));
    const k = seeds.rows * seeds.cols;
    const state = assignmentState(randomImage(random, width, height, channels, 40), width, height, channels, seedCentres(seeds, channels), k);
    const expected = plainStep(state, options);
    assert.ok(assignToNearestSeed(state, seeds, options), `trial ${trial}: the shortcut applies`);
    assert.deepEqual(state.labels, expected.labels, `trial ${trial}: labels`);
    assert.deepEqual(state.distance, expected.distance, `trial ${trial}: distances`);
  }
  // Colour terms of 1e30 swamp any spatial difference: the shortcut must not answer.
  const { seeds, options } = grid(30, 20, 12);
  const huge = new Float64Array(30 * 20).fill(1e15);
  assert.equal(assignToNearestSeed(assignmentState(huge, 30, 20, 1, seedCentres(seeds, 1), seeds.rows * seeds.cols), seeds, options), false);
});
