// Attention over query slices equals attention over all queries at once, forward and backward, for
// slice sizes that divide the queries and that do not.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { chunkedAttention } from "../src/models/blocks/chunked-attention.js";
import { relativeDifference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);

test("chunked attention equals unchunked attention, with its gradients", () => torch.tidy(() => {
  torch.manualSeed(2);
  // (B, heads, N, d) queries against M reduced keys, as in a sequence-reduction stage.
  const [q, k, v] = [[2, 3, 37, 8], [2, 3, 11, 8], [2, 3, 11, 8]].map((shape) => torch.randn(shape).requiresGrad_());
  const gradients = (out: torch.Tensor): torch.Tensor[] => {
    for (const t of [q, k, v]) t.grad = null;
    out.pow(2).sum().backward();
    return [q, k, v].map((t) => t.grad!.clone());
  };
  const whole = chunkedAttention(q, k, v, 8 ** -0.5, Infinity);
  const wholeGrads = gradients(whole);
  // Budgets of 66 weights (one query per slice: 2·3·11 per query), 330 (5 per slice, 37 = 7·5 + 2) and 2442 (all 37 at once).
  for (const budget of [66, 330, 2442]) {
    const chunked = chunkedAttention(q, k, v, 8 ** -0.5, budget);
    assert.ok(relativeDifference(chunked, whole) <= 1e-6, `budget ${budget}: output`);
    gradients(chunked).forEach((g, i) => assert.ok(relativeDifference(g, wholeGrads[i]) <= 1e-5, `budget ${budget}: gradient ${"qkv"[i]}`));
  }
  // A reference written out: softmax(q kᵀ / √d) v.
  const plain = torch.softmax(q.matmul(k.transpose(-2, -1)).div(Math.sqrt(8)), -1).matmul(v);
  assert.ok(relativeDifference(whole, plain) <= 1e-6);
}));
