// Recording a forward pass through libtorch's tracer: the recorded graph reproduces the module on a
// new input, is a TorchScript module PyTorch loads, and the hazards of recording stop the export.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { nn, type Tensor } from "../src/index.js";

function smallNet(): nn.Module {
  const net = new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU());
  return net.train(false);
}

class ForwardOf extends nn.Module {
  constructor(readonly body: (x: Tensor) => Tensor) { super(); }
  forward(x: Tensor): Tensor { return this.body(x); }
}

test("a recording runs like the module on another input, and PyTorch loads its TorchScript file", () => {
  torch.manualSeed(1);
  const net = smallNet();
  const recording = torch.recordForward(net, [torch.randn([1, 3, 8, 8])]);
  torch.checkRecording(recording, net, [torch.randn([1, 3, 8, 8])]);
  const graph = torch.tidy(() => recording.graph().nodes.map((n) => n.kind));
  assert.ok(graph.includes("aten::_convolution") && graph.includes("aten::batch_norm") && graph.includes("aten::relu"), graph.join());
  assert.equal(recording.stateKeys.get("_0_weight"), "0.weight");

  const dir = mkdtempSync(join(tmpdir(), "segkit-record-"));
  const input = torch.randn([2, 3, 5, 6]);
  writeFileSync(join(dir, "input.bin"), input.toTypedArray());
  writeFileSync(join(dir, "expected.bin"), torch.noGrad(() => (net.forward as (x: Tensor) => Tensor)(input)).toTypedArray());
  recording.saveTorchScript(join(dir, "net.pt"));
  assert.deepEqual(readdirSync(dir).sort(), ["expected.bin", "input.bin", "net.pt"], "no temporary file is left");
  const script = `
import numpy, torch, sys
d = sys.argv[1]
x = torch.from_numpy(numpy.fromfile(d + "/input.bin", dtype=numpy.float32).reshape(2, 3, 5, 6))
expected = numpy.fromfile(d + "/expected.bin", dtype=numpy.float32)
got = torch.jit.load(d + "/net.pt")(x).detach().numpy().ravel()
print(float(numpy.abs(got - expected).max() / numpy.abs(expected).max()))`;
  const run = spawnSync("/usr/bin/python3", ["-c", script, dir], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(Number(run.stdout) < 1e-5, run.stdout);
});

test("reading a tensor into JS during the recording stops it, naming the read", () => {
  const inner = new nn.Sequential(new ForwardOf((x) => x.mul(x.mean().item())));
  const net = new nn.Sequential(new nn.ReLU(), inner);
  assert.throws(() => torch.recordForward(net, [torch.randn([1, 3])]), /Tensor\.item\(\) in module 1\.0 reads a tensor's value into JS/);
  // The modules' own forward is back once recording ends.
  assert.ok(!Object.hasOwn(inner, "forward") && !Object.hasOwn(net, "forward"));
  assert.equal(torch.isRecording(), false);
  const arrays = new ForwardOf((x) => torch.tensor(x.toArray()));
  assert.throws(() => torch.recordForward(arrays, [torch.randn([3])]), /toArray\(\) reads a tensor's value/);
  // Recording stopped: the next one works.
  torch.recordForward(smallNet(), [torch.randn([1, 3, 4, 4])]).dispose();
});

test("a tensor made from JS data inside the recorded pass enters the graph as a constant holding its values", () => {
  // Before: the tracer saw only the empty tensor the bytes were copied into, and the graph held uninitialised memory.
  const net = new ForwardOf((x) => x.mul(torch.tensor(Float32Array.from([2, -3, 0.5]), { shape: [3, 1, 1] })).add(torch.tensor([[[1]], [[2]], [[3]]])));
  const recording = torch.recordForward(net, [torch.randn([1, 3, 2, 2])]);
  torch.tidy(() => {
    const input = torch.randn([1, 3, 2, 2]);
    const [got] = recording.run([input]);
    const expected = input.mul(torch.tensor(Float32Array.from([2, -3, 0.5]), { shape: [3, 1, 1] })).add(torch.tensor([[[1]], [[2]], [[3]]]));
    assert.deepEqual(got.toArray(), expected.toArray());
  });
  recording.dispose();
});

test("an operator whose output size depends on the data stops the recording, naming it", () => {
  const net = new ForwardOf((x) => x.nonzero().to("float32"));
  assert.throws(() => torch.recordForward(net, [torch.randn([4])]), /aten::nonzero, whose output size depends on the data/);
});

test("a size read in TypeScript is a constant of the graph: the check on a second input finds it", () => {
  const reshaping = new ForwardOf((x) => x.reshape([x.shape[0] * x.shape[1]]).softmax(0).reshape(x.shape));
  const baked = torch.recordForward(reshaping, [torch.randn([2, 3])]);
  assert.throws(() => torch.checkRecording(baked, reshaping, [torch.randn([3, 2])]), /export:.*(became a constant|shape)/);
});

test("state-dict keys that collide as attribute names are refused", () => {
  class Colliding extends nn.Module {
    readonly a = this.registerModule("a", new nn.Sequential(new nn.Linear(2, 2)));
    readonly b = this.registerModule("a_0", new nn.Linear(2, 2));
    forward(x: Tensor): Tensor { return this.b.call(x); }
  }
  assert.throws(() => torch.recordForward(new Colliding(), [torch.randn([1, 2])]), /map to one attribute name "a_0_weight"/);
});

test("in-place ops become functional; a write through a view stops the recording, naming the op", () => {
  const inPlace = new ForwardOf((x) => x.mul(2).relu_().add_(1));
  const recording = torch.recordForward(inPlace, [torch.randn([2, 3])]);
  const kinds = torch.tidy(() => recording.graph().nodes.map((n) => n.kind));
  assert.ok(kinds.includes("aten::relu") && kinds.includes("aten::add") && !kinds.some((k) => k.endsWith("_")), kinds.join());
  torch.checkRecording(recording, inPlace, [torch.randn([2, 3])]);
  const viewWrite = new ForwardOf((x) => {
    const y = x.clone();
    y.narrow(1, 0, 1).mul_(2);
    return y;
  });
  assert.throws(() => torch.recordForward(viewWrite, [torch.randn([2, 3])]), /writes in place through a view \(aten::mul_\)/);
});
