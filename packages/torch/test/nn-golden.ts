// Runs a layer on a golden case written by test/fixtures/nn_make_golden.py and compares the output, the
// input gradient, the parameter gradients and the buffers after the call with PyTorch's.
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { assertClose, fixture } from "./helpers.js";

const files = new Map<string, Map<string, torch.Tensor>>();

/** The tensors of a fixture file, loaded once per test process. */
export function golden(file: string): Map<string, torch.Tensor> {
  let tensors = files.get(file);
  if (!tensors) {
    tensors = torch.loadSafetensors(fixture(file)).tensors;
    for (const t of tensors.values()) t.keep();
    files.set(file, tensors);
  }
  return tensors;
}

/** The golden tensors of one case, keyed without the "case." prefix. */
function caseTensors(file: string, name: string): Map<string, torch.Tensor> {
  const out = new Map<string, torch.Tensor>();
  for (const [k, v] of golden(file)) if (k.startsWith(`${name}.`)) out.set(k.slice(name.length + 1), v);
  assert.ok(out.size > 0, `${file} has no case "${name}"`);
  return out;
}

function section(tensors: Map<string, torch.Tensor>, prefix: string): Map<string, torch.Tensor> {
  return new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

export interface GoldenCase {
  build: () => torch.nn.Module & { forward(x: torch.Tensor): torch.Tensor };
  train: boolean;
  rtol?: number;
}

/**
 * Runs child `m` through `fn(m, x)`, for layers whose call is not layer(x) (the fixture script's
 * Call wrapper: keys get the prefix "m.").
 */
export class Call<M extends torch.nn.Module> extends torch.nn.Module {
  readonly m: M;

  constructor(m: M, readonly fn: (m: M, x: torch.Tensor) => torch.Tensor) {
    super();
    this.m = this.registerModule("m", m);
  }

  forward(x: torch.Tensor): torch.Tensor {
    return this.fn(this.m, x);
  }
}

/** Builds the layer, loads PyTorch's initial state, runs forward/backward and compares everything. */
export function checkAgainstGolden(file: string, name: string, { build, train, rtol = 1e-5 }: GoldenCase): void {
  const g = caseTensors(file, name);
  const module = build().to("float64").train(train);
  try {
    const { missingKeys, unexpectedKeys } = module.loadStateDict(section(g, "sd."));
    assert.deepEqual([missingKeys, unexpectedKeys], [[], []]);
    torch.tidy(() => {
      const x = g.get("x")!.clone();
      const differentiable = torch.isFloatingDtype(x.dtype);
      x.requiresGrad = differentiable;
      const y = module.call(x);
      const tol = { rtol, atol: 1e-12 };
      assertClose(y, g.get("y")!, tol, `${name}: output`);
      y.backward(g.get("gy")!);
      if (differentiable) assertClose(x.grad!, g.get("gx")!, tol, `${name}: input grad`);
      const grads = section(g, "grad.");
      for (const [k, p] of module.namedParameters()) {
        const expected = grads.get(k);
        // PyTorch leaves no gradient on parameters the call does not use.
        if (expected === undefined) assert.equal(p.grad, null, `${name}: ${k} should get no gradient`);
        else assertClose(p.grad!, expected, tol, `${name}: grad of ${k}`);
      }
      assert.ok([...grads.keys()].every((k) => module.namedParameters().has(k)), `${name}: parameter names`);
      const buffers = module.namedBuffers();
      const after = section(g, "after.");
      assert.deepEqual([...buffers.keys()].sort(), [...after.keys()].sort(), `${name}: buffer names`);
      for (const [k, b] of buffers) assertClose(b, after.get(k)!, tol, `${name}: ${k} after the call`);
    });
  } finally {
    module.dispose();
  }
}
