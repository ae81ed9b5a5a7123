// The Hungarian matcher against scipy.optimize.linear_sum_assignment (Debian's python3-scipy):
// test/fixtures/hungarian/make_fixture.py records scipy's optimal costs on random, rectangular
// (wide and tall), tie-heavy, wide-magnitude and partly forbidden matrices. Ties allow different
// optimal assignments, so the test compares total costs and checks that the assignment is a
// matching of min(rows, cols) pairs avoiding forbidden entries.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { linearSumAssignment } from "../src/losses/hungarian.js";

interface Case {
  name: string;
  rows: number;
  cols: number;
  costs: (number | null)[];
  cost?: number;
  pairs?: number;
  infeasible?: string;
}

const fixture = JSON.parse(readFileSync(new URL("../../test/fixtures/hungarian/scipy_assignments.json", import.meta.url), "utf8")) as { cases: Case[] };

function checkMatching(c: Case, costs: number[], rows: Int32Array, cols: Int32Array): void {
  assert.equal(rows.length, Math.min(c.rows, c.cols), `${c.name}: pair count`);
  assert.equal(new Set(rows).size, rows.length, `${c.name}: a row used twice`);
  assert.equal(new Set(cols).size, cols.length, `${c.name}: a column used twice`);
  for (let k = 0; k < rows.length; k++) {
    assert.ok(rows[k] >= 0 && rows[k] < c.rows && cols[k] >= 0 && cols[k] < c.cols, `${c.name}: pair ${k} out of range`);
    if (k > 0) assert.ok(rows[k] > rows[k - 1], `${c.name}: rows not ascending`);
    assert.ok(Number.isFinite(costs[rows[k] * c.cols + cols[k]]), `${c.name}: pair ${k} is forbidden`);
  }
}

test("optimal costs equal scipy's on every fixture matrix, each assignment a valid matching", () => {
  const feasible = fixture.cases.filter((c) => c.infeasible === undefined);
  assert.ok(feasible.length >= 25 && feasible.some((c) => c.costs.includes(null)), "the fixture has lost cases");
  for (const c of feasible) {
    const costs = c.costs.map((v) => v ?? Infinity);
    const { rows, cols, cost } = linearSumAssignment(costs, c.rows, c.cols);
    checkMatching(c, costs, rows, cols);
    assert.equal(rows.length, c.pairs, `${c.name}: scipy matched ${c.pairs} pairs`);
    const summed = Array.from(rows, (r, k) => costs[r * c.cols + cols[k]]).reduce((a, b) => a + b, 0);
    assert.equal(cost, summed, `${c.name}: reported cost is not the sum of the pairs`);
    assert.ok(Math.abs(cost - c.cost!) <= 1e-9 * Math.max(1, Math.abs(c.cost!)), `${c.name}: cost ${cost}, scipy ${c.cost}`);
  }
});

test("a tie-heavy matrix has several optima: the matcher finds one of scipy's cost, not necessarily scipy's pairs", () => {
  // All-equal costs: every permutation is optimal.
  const { cost, cols } = linearSumAssignment(new Float64Array(16).fill(2), 4, 4);
  assert.equal(cost, 8);
  assert.deepEqual([...cols].sort(), [0, 1, 2, 3]);
});

test("infeasible matrices, NaN, −∞ and wrong sizes are refused with the reason", () => {
  const infeasible = fixture.cases.filter((c) => c.infeasible !== undefined);
  assert.ok(infeasible.length >= 1);
  for (const c of infeasible) {
    assert.throws(() => linearSumAssignment(c.costs.map((v) => v ?? Infinity), c.rows, c.cols, "match costs"), /match costs: the cost matrix is infeasible/, c.name);
  }
  assert.throws(() => linearSumAssignment([1, NaN, 2, 3], 2, 2), /entry \(0, 1\) is NaN/);
  assert.throws(() => linearSumAssignment([1, 2, -Infinity, 3], 2, 2), /entry \(1, 0\) is -Infinity/);
  assert.throws(() => linearSumAssignment([1, 2, 3], 2, 2), /3 entries do not make a 2×2 matrix/);
});

test("a 100×300 matrix is solved in well under a second (O(n²m))", () => {
  let seed = 1;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const costs = Float64Array.from({ length: 100 * 300 }, random);
  const start = performance.now();
  const { rows } = linearSumAssignment(costs, 100, 300);
  assert.equal(rows.length, 100);
  assert.ok(performance.now() - start < 1000);
});
