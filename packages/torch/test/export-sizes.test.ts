// Sizes the recorded graph computes: sizeOf(t, dim) is a number outside a recording and, while one
// runs, the graph's aten::size, which int list arguments (reshape, view, expand, upsample sizes)
// take as computed items. A pass whose shapes come from sizeOf records the same graph at two input
// sizes, and the graph runs like the module at a third; the same pass with numbers read from
// .shape bakes them. (The ONNX side runs in onnxruntime: segkit's export-dynamic.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { nn, type Tensor } from "../src/index.js";

class ForwardOf extends nn.Module {
  constructor(readonly body: (x: Tensor) => Tensor) { super(); }
  forward(x: Tensor): Tensor { return this.body(x); }
}

/**
 * (B, C, H, W): two channel groups summed (reshape), pooled and upsampled back to the unpooled size
 * (odd sizes included, as a decoder meets its skip connection), then expanded over a new axis.
 */
function shaped(sizeOf: (t: Tensor, dim: number) => torch.Size): (x: Tensor) => Tensor {
  return (x) => {
    const grouped = x.reshape([sizeOf(x, 0), 2, -1, sizeOf(x, 2), sizeOf(x, 3)]).sum([1]);
    const up = torch.upsampleNearest2d(torch.avgPool2d(grouped, 2), [sizeOf(grouped, 2), sizeOf(grouped, 3)]);
    return up.add(grouped).unsqueeze(0).expand([2, sizeOf(up, 0), -1, -1, -1]);
  };
}

test("sizeOf outside a recording is the number; a bad dim is refused", () => {
  const x = torch.zeros([2, 3, 4]);
  assert.equal(torch.sizeOf(x, 1), 3);
  assert.equal(torch.sizeOf(x, -1), 4);
  assert.throws(() => torch.sizeOf(x, 3), /sizeOf: dim 3 is out of range for a tensor of rank 3/);
  x.dispose();
});

test("shapes from sizeOf record one graph at every size, computing the sizes (aten::size)", () => {
  const net = new ForwardOf(shaped(torch.sizeOf));
  torch.tidy(() => {
    const first = torch.recordForward(net, [torch.randn([1, 4, 3, 5])]);
    const second = torch.recordForward(net, [torch.randn([2, 6, 4, 7])]);
    assert.equal(torch.bakedSizes(first, second), null);
    const kinds = first.graph().nodes.map((n) => n.kind);
    assert.ok(kinds.filter((k) => k === "aten::size").length >= 4, kinds.join());
    // A third size, through TorchScript's interpreter: the same values as the module.
    assert.ok(torch.checkRecording(first, net, [torch.randn([3, 2, 2, 3])], 1e-6) <= 1e-6);
    first.dispose();
    second.dispose();
  });
});

test("the same pass with sizes read from .shape bakes them, and the comparison names the operator", () => {
  const net = new ForwardOf(shaped((t, dim) => t.shape[dim]));
  torch.tidy(() => {
    const first = torch.recordForward(net, [torch.randn([1, 4, 3, 5])]);
    const second = torch.recordForward(net, [torch.randn([2, 6, 4, 7])]);
    assert.match(torch.bakedSizes(first, second) ?? "", /aten::reshape takes \[1, 2, -1, 3, 5\] at the first shape but \[2, 2, -1, 4, 7\] at the second/);
    first.dispose();
    second.dispose();
  });
});

test("a recorded size used after its recording is refused, naming the argument", () => {
  const kept: torch.Size[] = [];
  const net = new ForwardOf((x) => {
    kept.push(torch.sizeOf(x, 0));
    return x.reshape([kept[0], -1]);
  });
  const x = torch.randn([2, 3]);
  torch.recordForward(net, [x]).dispose();
  assert.ok(kept[0] instanceof torch.RecordedSize);
  // The recording's scope freed its tensor; were it alive, the addon would refuse it outside a recording.
  assert.throws(() => x.reshape([kept[0], -1]), /aten::reshape\.: argument 'shape' is a disposed Tensor/);
  x.dispose();
});

test("outside a recording the addon refuses a tensor among an int list's integers, naming the argument", () => {
  const x = torch.randn([2, 3]);
  const size = torch.scalar(6, "int64");
  assert.throws(() => torch.callOp("aten::reshape", "", x, [size]),
    /aten::reshape: argument 'shape' \(position 2, SymInt\[\]\) expects integers, got a Tensor \(only a size recorded by sizeOf\(\), while its recording runs\)/);
  for (const t of [x, size]) t.dispose();
});
