// Layer-wise lr decay on a Swin backbone, against the Swin authors' own rule: fixtures/
// swin_layer_decay_make_golden.py applies SimMIM's get_swin_layer and scale list (microsoft/SimMIM
// optimizer.py) to timm's Swin parameter names (segkit's), depths 2/3/2/2, decay 0.5. Every backbone
// parameter of a reduced upernet_swin_t gets exactly that lr scale; the others (output norms, heads)
// SimMIM's scale for any other name; "numLayers" is refused for Swin.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { Tensor } from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { buildOptimizer } from "../src/engine/optimizers.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";

const LR = 1e-3;
const golden = JSON.parse(readFileSync(new URL("../../test/fixtures/swin_layer_decay_golden.json", import.meta.url), "utf8")) as {
  repository: string; commit: string; depths: number[]; decay: number; scales: Record<string, number>; other: number;
};
const MODEL = { type: "upernet_swin_t", numClasses: 3, headChannels: 16, auxChannels: 8, embedDim: 16, depths: golden.depths, numHeads: [1, 2, 2, 4], windowSize: 3 };

test("fixture records SimMIM's repository and commit", () => {
  assert.equal(golden.repository, "github:microsoft/SimMIM");
  assert.match(golden.commit, /^[0-9a-f]{40}$/);
});

test("every Swin parameter's lr scale equals SimMIM's get_swin_layer rule", () => {
  const model = build<Segmentor>("model", MODEL);
  const named = model.namedParameters();
  const optimizer = buildOptimizer({ type: "adamw", lr: LR, weightDecay: 0.05, layerDecay: { rate: golden.decay } }, named);
  const lrOf = new Map<Tensor, number>();
  for (const g of optimizer.paramGroups) for (const p of g.params) lrOf.set(p, g.lr);
  const backbone = [...named.keys()].filter((n) => /^backbone\.(patch_embed|layers)\./.test(n));
  assert.deepEqual(backbone.sort(), Object.keys(golden.scales).sort());
  for (const [name, p] of named) {
    const expected = LR * (golden.scales[name] ?? golden.other);
    assert.ok(Math.abs(lrOf.get(p)! - expected) <= 1e-12 * expected, `${name}: lr ${lrOf.get(p)} ≠ ${expected}`);
  }
  optimizer.dispose();
  model.dispose();
});

test("numLayers is refused for a Swin backbone, naming the key", () => {
  const model = build<Segmentor>("model", MODEL);
  assert.throws(() => buildOptimizer({ type: "sgd", lr: 0.1, layerDecay: { rate: 0.9, numLayers: 4 } }, model.namedParameters()),
    /optimizer\.layerDecay: "numLayers" does not apply to a Swin backbone/);
  model.dispose();
});
