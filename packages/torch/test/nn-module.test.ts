// Module: names identical to PyTorch's, state dicts (load, save, errors), modes, dtype and memory
// format conversion, hooks, apply, parameter count, disposal, and flat memory over training steps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { nn } from "../src/index.js";

class Block extends nn.Module {
  readonly conv1 = this.registerModule("conv1", new nn.Conv2d(4, 4, 3, { padding: 1, bias: false }));
  readonly bn1 = this.registerModule("bn1", new nn.BatchNorm2d(4));
  readonly relu = this.registerModule("relu", new nn.ReLU());

  forward(x: torch.Tensor): torch.Tensor {
    return this.relu.call(this.bn1.call(this.conv1.call(x)));
  }
}

class Net extends nn.Module {
  readonly stem = this.registerModule("stem", new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU()));
  readonly layer1 = this.registerModule("layer1", new nn.Sequential(new Block(), new Block()));
  readonly heads = this.registerModule("heads", new nn.ModuleDict({ main: new nn.Conv2d(4, 2, 1), aux: new nn.Conv2d(4, 2, 1) }));

  forward(x: torch.Tensor): torch.Tensor {
    return this.heads.get("main").call(this.layer1.call(this.stem.call(x)));
  }
}

// Printed by PyTorch 1.13 for the same structure (see the Python classes of the same names).
const STATE_KEYS = ["stem.0.weight", "stem.0.bias", "stem.1.weight", "stem.1.bias", "stem.1.running_mean", "stem.1.running_var",
  "stem.1.num_batches_tracked", "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.bn1.running_mean",
  "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked", "layer1.1.conv1.weight", "layer1.1.bn1.weight", "layer1.1.bn1.bias",
  "layer1.1.bn1.running_mean", "layer1.1.bn1.running_var", "layer1.1.bn1.num_batches_tracked", "heads.main.weight", "heads.main.bias",
  "heads.aux.weight", "heads.aux.bias"];
const PARAMETER_KEYS = ["stem.0.weight", "stem.0.bias", "stem.1.weight", "stem.1.bias", "layer1.0.conv1.weight", "layer1.0.bn1.weight",
  "layer1.0.bn1.bias", "layer1.1.conv1.weight", "layer1.1.bn1.weight", "layer1.1.bn1.bias", "heads.main.weight", "heads.main.bias",
  "heads.aux.weight", "heads.aux.bias"];
const MODULE_KEYS = ["", "stem", "stem.0", "stem.1", "stem.2", "layer1", "layer1.0", "layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu",
  "layer1.1", "layer1.1.conv1", "layer1.1.bn1", "layer1.1.relu", "heads", "heads.main", "heads.aux"];

function withTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "segkit-nn-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("keys, order and parameter count are PyTorch's", () => {
  const net = new Net();
  assert.deepEqual([...net.stateDict().keys()], STATE_KEYS);
  assert.deepEqual([...net.namedParameters().keys()], PARAMETER_KEYS);
  assert.deepEqual([...net.namedModules().keys()], MODULE_KEYS);
  assert.equal(net.numParameters(), 444);
  assert.deepEqual([...net.namedBuffers().keys()], STATE_KEYS.filter((k) => !PARAMETER_KEYS.includes(k)));
  net.dispose();
});

test("parameters are requiresGrad leaves that outlive tidy scopes", () => {
  const before = torch.liveTensors();
  const conv = torch.tidy(() => new nn.Conv2d(3, 4, 3));
  assert.equal(torch.liveTensors(), before + 2);
  for (const p of conv.parameters()) {
    assert.equal(p.requiresGrad, true);
    assert.equal(p.isLeaf, true);
  }
  assert.equal(conv.weight, conv.namedParameters().get("weight"));
  conv.dispose();
  assert.equal(torch.liveTensors(), before);
});

test("default initialisation follows PyTorch's bounds", () => {
  // Seeded: with 16 bias values, an unseeded "max above 0.8·bound" check fails 0.8^16 ≈ 3% of runs.
  torch.manualSeed(0);
  const conv = new nn.Conv2d(8, 16, 3);
  const bound = 1 / Math.sqrt(8 * 9);
  for (const [p, spread] of [[conv.weight, 0.95], [conv.bias!, 0.5]] as const) {
    const values = p.toArray();
    assert.ok(values.every((v) => Math.abs(v) <= bound), "within ±1/sqrt(fan_in)");
    assert.ok(Math.max(...values.map(Math.abs)) > spread * bound, "spread over the range");
  }
  const bn = new nn.BatchNorm2d(5);
  assert.deepEqual(bn.weight!.toArray(), [1, 1, 1, 1, 1]);
  assert.deepEqual(bn.running_var!.toArray(), [1, 1, 1, 1, 1]);
  assert.equal(bn.num_batches_tracked!.dtype, "int64");
  conv.dispose();
  bn.dispose();
});

test("train()/eval() reach every descendant, through each child's own train()", () => {
  const net = new Net();
  net.eval();
  assert.ok(net.modules().every((m) => !m.training));
  net.train();
  assert.ok(net.modules().every((m) => m.training));
  net.dispose();
  // A child that keeps part of itself in eval mode (a frozen stage) is obeyed from the root.
  class KeepsStemInEval extends Net {
    override train(on = true): this {
      super.train(on);
      this.stem.train(false);
      return this;
    }
  }
  class Outer extends nn.Module {
    readonly inner = this.registerModule("inner", new KeepsStemInEval());
    forward(x: torch.Tensor): torch.Tensor {
      return this.inner.call(x);
    }
  }
  const outer = new Outer().train();
  assert.equal(outer.inner.stem.at(1).training, false);
  assert.equal(outer.inner.layer1.training, true);
  outer.dispose();
});

test("loadStateDict copies in place, keeps parameter identity and reports keys", () => {
  const a = new Net();
  const b = new Net();
  const weight = b.stem.at(0) as nn.Conv2d;
  const before = weight.weight;
  assert.deepEqual(b.loadStateDict(a.stateDict()), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
  assert.equal(weight.weight, before);
  assert.deepEqual(weight.weight.toArray(), (a.stem.at(0) as nn.Conv2d).weight.toArray());
  assert.equal(weight.weight.requiresGrad, true);

  const partial = new Map(a.stateDict());
  partial.delete("heads.aux.bias");
  partial.set("extra.weight", partial.get("heads.main.bias")!);
  assert.throws(() => b.loadStateDict(partial), /missing keys: heads\.aux\.bias; unexpected keys: extra\.weight/);
  assert.deepEqual(b.loadStateDict(partial, { strict: false }), { missingKeys: ["heads.aux.bias"], unexpectedKeys: ["extra.weight"], mismatchedKeys: [] });

  // Checkpoints from before BatchNorm's num_batches_tracked (torchvision's older weights) still load.
  const old = new Map([...a.stateDict()].filter(([k]) => !k.endsWith("num_batches_tracked")));
  assert.deepEqual(b.loadStateDict(old), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });

  const wrong = new Map(a.stateDict());
  torch.tidy(() => {
    wrong.set("stem.0.weight", torch.zeros([4, 3, 5, 5]));
    assert.throws(() => b.loadStateDict(wrong), /shape mismatch for stem\.0\.weight: checkpoint \[4,3,5,5\], module \[4,3,3,3\]/);
    // strict: false copies the tensors that fit and reports the one that does not.
    const kept = (b.stem.at(0) as nn.Conv2d).weight.toArray();
    assert.deepEqual(b.loadStateDict(wrong, { strict: false }), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: ["stem.0.weight"] });
    assert.deepEqual((b.stem.at(0) as nn.Conv2d).weight.toArray(), kept);
  });
  a.dispose();
  b.dispose();
});

test("load reads safetensors or .pth by content, renames through a key map; a corrupt file is named", () => withTempDir((dir) => {
  const a = new Net();
  const b = new Net();
  torch.noGrad(() => (a.layer1.at(0) as Block).bn1.running_mean!.fill_(0.5));
  const file = join(dir, "net.safetensors");
  a.save(file);
  b.load(file);
  for (const [k, t] of b.stateDict()) assert.deepEqual(t.toArray(), a.stateDict().get(k)!.toArray(), k);
  // A .pth under a name that says nothing, its keys prefixed as a wrapper module would write them.
  const pth = join(dir, "net.bin");
  torch.savePth(pth, new Map([...a.stateDict()].map(([k, t]) => [`module.${k}`, t])));
  const c = new Net();
  assert.deepEqual(c.load(pth, { keyMap: torch.renaming((k) => k.replace(/^module\./, "")) }), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
  for (const [k, t] of c.stateDict()) assert.deepEqual(t.toArray(), a.stateDict().get(k)!.toArray(), k);
  assert.throws(() => c.load(pth), /net\.bin: .*missing keys: stem\.0\.weight.*unexpected keys: module\.stem\.0\.weight/);
  assert.throws(() => c.load(pth, { keyMap: torch.renaming(() => "same") }), /net\.bin: keys "module\.stem\.0\.weight" and "module\.stem\.0\.bias" both map to "same"/);
  c.dispose();
  const bad = join(dir, "bad.safetensors");
  writeFileSync(bad, "not a safetensors file");
  assert.throws(() => b.load(bad), /bad\.safetensors: neither a safetensors file nor a torch\.save checkpoint/);
  assert.throws(() => b.load(join(dir, "absent.pth")), /absent\.pth: cannot read weights \(ENOENT\)/);
  a.dispose();
  b.dispose();
}));

test("to(dtype) converts floating tensors, keeps counters and leaf parameters", () => {
  const net = new Net().to("float64");
  for (const [k, t] of net.stateDict()) assert.equal(t.dtype, k.endsWith("num_batches_tracked") ? "int64" : "float64", k);
  for (const p of net.parameters()) assert.ok(p.isLeaf && p.requiresGrad);
  torch.tidy(() => {
    const y = net.call(torch.randn([1, 3, 5, 5], { dtype: "float64" }));
    y.sum().backward();
    assert.equal(net.parameters()[0].grad!.dtype, "float64");
  });
  net.dispose();
});

test("channels-last parameters give the same output", () => {
  const net = new Net().eval();
  torch.tidy(() => {
    const x = torch.randn([2, 3, 6, 6]);
    const expected = net.forward(x);
    net.toMemoryFormat("channels_last");
    const weight = (net.stem.at(0) as nn.Conv2d).weight;
    assert.equal(torch.stride(weight, 1), 1, "channels are the innermost dimension");
    const actual = net.forward(x.contiguous({ memoryFormat: "channels_last" }));
    assert.ok(actual.sub(expected).abs().max().item() < 1e-5);
    for (const p of net.parameters()) assert.ok(p.isLeaf && p.requiresGrad);
  });
  net.dispose();
});

test("forward hooks see inputs and outputs, may replace the output, and can be removed", () => {
  const net = new Net();
  const seen: string[] = [];
  const handle = net.layer1.at(1).registerForwardHook((m, inputs, output) => {
    seen.push(`${m.constructor.name} ${(inputs[0] as torch.Tensor).shape} -> ${(output as torch.Tensor).shape}`);
  });
  const relu = new nn.ReLU();
  relu.registerForwardHook((_m, _inputs, output) => (output as torch.Tensor).mul(0));
  torch.tidy(() => {
    net.call(torch.randn([1, 3, 4, 4]));
    assert.deepEqual(seen, ["Block 1,4,4,4 -> 1,4,4,4"]);
    handle.remove();
    net.call(torch.randn([1, 3, 4, 4]));
    assert.equal(seen.length, 1);
    assert.equal(relu.call(torch.ones([3])).sum().item(), 0);
  });
  net.dispose();
});

test("apply visits children before parents; zeroGrad clears gradients", () => {
  const net = new Net();
  const order: string[] = [];
  net.stem.apply((m) => order.push(m.constructor.name));
  assert.deepEqual(order, ["Conv2d", "BatchNorm2d", "ReLU", "Sequential"]);
  net.apply((m) => {
    if (m instanceof nn.Conv2d) nn.init.zeros(m.weight);
  });
  assert.ok((net.stem.at(0) as nn.Conv2d).weight.toArray().every((v) => v === 0));
  torch.tidy(() => net.call(torch.randn([1, 3, 4, 4])).sum().backward());
  assert.ok(net.parameters().some((p) => p.grad !== null));
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
  net.dispose();
});

test("requiresGrad_ freezes and unfreezes; to() keeps frozen parameters frozen", () => {
  const net = new Net();
  net.stem.requiresGrad_(false);
  net.to("float64");
  assert.deepEqual(net.parameters().map((p) => p.requiresGrad), PARAMETER_KEYS.map((k) => !k.startsWith("stem.")));
  assert.equal(net.numParameters({ trainableOnly: true }), 444 - (4 * 27 + 4 + 4 + 4));
  net.requiresGrad_();
  assert.ok(net.parameters().every((p) => p.requiresGrad));
  net.dispose();
});

test("toString shows the tree with PyTorch-like layer descriptions", () => {
  const seq = new nn.Sequential(new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(8), new nn.ReLU());
  assert.equal(seq.toString(), [
    "Sequential(",
    "  (0): Conv2d(3, 8, kernel_size=3, stride=2, bias=False, padding=1)",
    "  (1): BatchNorm2d(8, eps=0.00001, momentum=0.1, affine=true, track_running_stats=true)",
    "  (2): ReLU()",
    ")",
  ].join("\n"));
  seq.dispose();
});

test("containers: Sequential, ModuleList, ModuleDict, Identity", () => {
  const seq = new nn.Sequential(new nn.Linear(3, 2), new nn.Identity(), new nn.ReLU());
  assert.equal(seq.length, 3);
  assert.ok(seq.at(-1) instanceof nn.ReLU);
  assert.throws(() => seq.at(3), /index 3 out of range/);
  const list = new nn.ModuleList([new nn.Linear(2, 2)]).append(new nn.Linear(2, 1));
  assert.deepEqual([...list.stateDict().keys()], ["0.weight", "0.bias", "1.weight", "1.bias"]);
  assert.throws(() => list.forward(), /no forward/);
  const dict = new nn.ModuleDict({ a: new nn.ReLU() });
  assert.throws(() => dict.get("b"), /no module "b" \(has a\)/);
  assert.throws(() => dict.set("a", new nn.ReLU()), /already set/);
  torch.tidy(() => assert.deepEqual(seq.call(torch.ones([4, 3])).shape, [4, 2]));
  seq.dispose();
  list.dispose();
});

test("dropout: identity in eval, zeroes about p and rescales in train", () => {
  const drop = new nn.Dropout(0.3);
  torch.tidy(() => {
    const x = torch.ones([20000]);
    assert.deepEqual(drop.eval().forward(x).sum().item(), 20000);
    const y = drop.train().forward(x);
    const kept = y.ne(0).sum().item();
    assert.ok(Math.abs(kept / 20000 - 0.7) < 0.02, `kept fraction ${kept / 20000}`);
    assert.ok(Math.abs(y.max().item() - 1 / 0.7) < 1e-6);
  });
});

test("hundreds of training steps of a small Sequential inside tidy leave no tensor behind", () => {
  const model = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 4, 1), new nn.Dropout(0.1));
  const start = torch.liveTensors();
  for (let step = 0; step < 300; step++) {
    torch.tidy(() => {
      const loss = model.call(torch.randn([2, 3, 8, 8])).square().mean();
      loss.backward();
      torch.noGrad(() => {
        for (const p of model.parameters()) p.sub_(p.grad!.mul(0.01));
      });
    });
  }
  model.zeroGrad();
  assert.equal(torch.liveTensors(), start);
  model.dispose();
  assert.equal(torch.liveTensors(), start - 9);
});

test("a module call frees its intermediates when it returns; backward still works", () => {
  class ThreeSteps extends nn.Module {
    readonly lin = this.registerModule("lin", new nn.Linear(4, 4));
    forward(x: torch.Tensor): torch.Tensor {
      return this.lin.call(x).relu().mul(2).sum();
    }
  }
  const model = new ThreeSteps();
  const x = torch.randn([3, 4]);
  const before = torch.liveTensors();
  torch.tidy(() => {
    const out = model.call(x);
    // Only the output is left in the caller's scope: Linear's result, relu and mul are gone.
    assert.equal(torch.liveTensors(), before + 1);
    out.backward();
  });
  assert.ok(model.lin.weight.grad !== null, "autograd kept what backward needed");
  model.zeroGrad();
  assert.equal(torch.liveTensors(), before);
  x.dispose();
  model.dispose();
});
