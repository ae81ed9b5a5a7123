// The aten → ONNX table, op by op, beyond what the zoo tests reach: each recorded forward is written
// as ONNX and run by onnxruntime-node; its output must equal the forward's within 1e-5 relative, or
// bit for bit where the op is exact (integer and rounding ops, copies). With dynamic axes the file is
// also run on inputs of other sizes than the recorded one, each compared with the forward on it.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import { nn, type Tensor } from "@segkit/torch";

class ForwardOf extends nn.Module {
  constructor(readonly body: (x: Tensor) => Tensor) { super(); }
  forward(x: Tensor): Tensor { return this.body(x); }
}

const ORT_TYPES: Record<string, ort.Tensor.Type> = { float32: "float32", int64: "int64" };

interface Comparison {
  /** Largest relative difference; omitted: every element equal, signed zeros and NaNs included. */
  tolerance?: number;
  /** Axes left free (toOnnx's dynamicAxes); the file then runs on every input, recorded on the first. */
  dynamicAxes?: Record<string, Record<number, string>>;
}

/** Records `body` on inputs[0] and compares the ONNX file's output with the forward's on each input. */
async function onnxReproduces(body: (x: Tensor) => Tensor, inputs: Tensor[], { tolerance, dynamicAxes }: Comparison = {}): Promise<void> {
  const module = new ForwardOf(body);
  const recording = torch.recordForward(module, [inputs[0]]);
  const session = await ort.InferenceSession.create(torch.toOnnx(recording, { dynamicAxes }));
  recording.dispose();
  for (const input of dynamicAxes ? inputs : inputs.slice(0, 1)) {
    const { output0 } = await session.run({ input0: new ort.Tensor(ORT_TYPES[input.dtype], input.toTypedArray() as Float32Array | BigInt64Array, input.shape) });
    const expected = torch.noGrad(() => module.call(input));
    assert.deepEqual(output0.dims, expected.shape, `input [${input.shape}]`);
    assert.equal(output0.type, ORT_TYPES[expected.dtype]);
    if (tolerance === undefined) {
      const [got, want] = [Array.from(output0.data as Float32Array), Array.from(expected.toTypedArray() as Float32Array)];
      const differing = want.findIndex((v, i) => !Object.is(got[i], v));
      assert.equal(differing, -1, `input [${input.shape}]: element ${differing} is ${got[differing]}, expected ${want[differing]}`);
    } else {
      const difference = torch.relativeDifference([torch.tensor(output0.data as Float32Array, { shape: expected.shape })], [expected]);
      assert.ok(difference <= tolerance, `input [${input.shape}]: relative difference ${difference}`);
    }
    expected.dispose();
  }
  await session.release();
}

const onnxMatches = (body: (x: Tensor) => Tensor, shape: number[]): Promise<void> => onnxReproduces(body, [torch.randn(shape)], { tolerance: 1e-5 });

torch.manualSeed(3);
// Tensors the forward closes over are not module state: they are recorded as constants.
const weight = torch.randn([4, 2, 3, 3]);
const slope = torch.rand([4]);
const linearWeight = torch.randn([6, 6]);
const linearBias = torch.randn([6]);
const normWeight = torch.rand([6]).add(0.5);
const normBias = torch.randn([6]);

test("transposed convolution (stride, padding, output padding, groups)", () =>
  onnxMatches((x) => torch.convTranspose2d(x, weight, null, 2, 1, 1, 2), [1, 4, 5, 6]));

test("average pooling with padding and ceil mode; adaptive pooling into bins that do not divide the input", () =>
  onnxMatches((x) => torch.cat([torch.avgPool2d(x, 3, 2, 1, true, false), torch.adaptiveAvgPool2d(x, [4, 4])], 1), [1, 2, 7, 7]));

test("max pooling with indices and unpooling", () =>
  onnxMatches((x) => {
    const [pooled, indices] = torch.maxPool2dWithIndices(x, 2, 2);
    return torch.maxUnpool2d(pooled.relu(), indices, [6, 8]);
  }, [2, 3, 6, 8]));

test("prelu per channel, constant padding, nearest and align-corners bilinear resizing", () =>
  onnxMatches((x) => {
    const padded = torch.constantPadNd(torch.prelu(x, slope), [1, 2, 0, 1], 0.5);
    return torch.upsampleNearest2d(padded, [10, 14]).add(torch.upsampleBilinear2d(padded, [10, 14], true));
  }, [1, 4, 4, 5]));

test("reductions, reverse subtraction, softmax and activations", () =>
  onnxMatches((x) => {
    const centred = x.sub(x.mean([2, 3], true)).mul(x.sum([1], true).sigmoid()).add(torch.amax(x, [2, 3], true));
    return torch.rsub(centred.hardswish(), 1).softmax(1).add(x.hardsigmoid().div(2));
  }, [2, 3, 4, 4]));

test("token ops: flatten, transpose, permute, reshape, slice, linear with and without bias, matmul, layer norm, gelu", () =>
  onnxMatches((x) => {
    const tokens = x.flatten(2).transpose(1, 2); // (1, 20, 6)
    const projected = torch.linear(tokens, linearWeight, linearBias).add(torch.linear(tokens, linearWeight));
    const normed = torch.layerNorm(projected, [6], normWeight, normBias, 1e-6);
    const heads = normed.reshape([1, 20, 2, 3]).permute([0, 2, 1, 3]);
    const scores = heads.slice(2, 3, 17).matmul(heads.transpose(-2, -1)).softmax(-1);
    return torch.gelu(scores.matmul(heads));
  }, [1, 6, 4, 5]));

test("group norm with and without affine, over one group and several", () =>
  onnxMatches((x) => torch.groupNorm(x, 1, normWeight, normBias, 1e-5).add(torch.groupNorm(x, 3, null, null, 1e-5)), [2, 6, 4, 5]));

test("an operator without a translation is named with its count", () => {
  const recording = torch.recordForward(new ForwardOf((x) => x.cumsum(1).cumsum(0)), [torch.randn([2, 3])]);
  assert.throws(() => torch.toOnnx(recording), /no ONNX translation for aten::cumsum \(×2\)/);
});

// Dividends (row 0) and divisors (row 1): every sign combination, zeros of both signs, a zero
// divisor, quotients that a float division rounds up to an integer (1 / 0.1 is 10 in float, torch's
// floor is 9), tiny and large ratios, infinities and NaN.
const DIVISION_CASES = [
  [-7, 7, -7, 7, 1, -0.5, 0.5, -0.5, 0, -0, 0, -0, 1, -1, 0, 5.5, -5.5, -1e-8, 1e-8, 3e7, 0.3, 1, -1, Infinity, 2, NaN, 1],
  [2, 2, -2, -2, 0.1, -2, -2, 2, -2, 2, 2, -2, 0, 0, 0, -2, 2, 1, -1, 0.7, 0.1, 0.3, -0.3, 3, Infinity, 2, NaN],
];

test("floor_divide and remainder on floats: torch's rounding of negatives, signed zeros, zero divisors; any length (dynamic)", () => {
  torch.manualSeed(5);
  const random = (n: number) => torch.cat([torch.randn([1, n]).mul(1e4), torch.randn([1, n])], 0);
  return onnxReproduces((x) => {
    const [a, d] = [x.select(0, 0), x.select(0, 1)];
    return torch.stack([a.floorDivide(d), a.remainder(d), a.floorDivide(-2.5), a.remainder(0.75)], 0);
  }, [torch.tensor(DIVISION_CASES), random(1000), random(7)], { dynamicAxes: { input0: { 1: "n" }, output0: { 1: "n" } } });
});

test("floor_divide and remainder on int64: floored, the remainder with the divisor's sign; a float divisor promotes to float", () => {
  const a = [-7, 7, -7, 7, -6, 6, 0, -1, 1, -9, 9, 123456789, -123456789];
  const d = [2, 2, -2, -2, 3, -3, -5, 5, -5, 4, -4, -1000, 1000];
  return onnxReproduces((x) => {
    const [dividends, divisors] = [x.select(0, 0), x.select(0, 1)];
    const integers = torch.stack([dividends.floorDivide(divisors), dividends.remainder(divisors), dividends.floorDivide(-3), dividends.remainder(4)], 0);
    return integers.to("float32").add(dividends.floorDivide(2.5)).add(dividends.remainder(-1.5));
  }, [torch.tensor([a, d], { dtype: "int64" }), torch.tensor([[5, -5, 11], [-3, 3, 7]], { dtype: "int64" })], { dynamicAxes: { input0: { 1: "n" }, output0: { 1: "n" } } });
});

test("arange with integer bounds, exact: int64, float, negative steps, an uneven end, empty ranges", async () => {
  await onnxReproduces((x) => torch.cat([
    torch.arange(5, { dtype: "float32" }), torch.arange(1, 7, { dtype: "float32" }), torch.arange(-3, 9, { step: 4, dtype: "float32" }),
    torch.arange(9, -4, { step: -3, dtype: "float32" }), torch.arange(4, 4, { dtype: "float32" }), x,
  ]), [torch.randn([3])]);
  await onnxReproduces((x) => torch.cat([torch.arange(7), torch.arange(-2, 9, { step: 3 }), torch.arange(10, -3, { step: -4 }), x]), [torch.tensor([1, 2], { dtype: "int64" })]);
});

// libtorch's vectorised arange rounds each vector's first value to float (see the translation), so
// fractional steps agree within a float's last bit rather than exactly.
test("arange with fractional bounds and steps, negative steps, an empty range: within a float's last bit", () =>
  onnxReproduces((x) => torch.cat([
    torch.arange(0.5, 3, { step: 0.25 }), torch.arange(0, 10, { step: 0.1 }), torch.arange(3, -2, { step: -0.7 }), torch.arange(0.1, 0.1, { step: 0.3 }), x,
  ]), [torch.randn([3])], { tolerance: 1e-7 }));

test("arange with fractional bounds into an integer dtype is refused by name", () => {
  const recording = torch.recordForward(new ForwardOf((x) => x.add(torch.arange(0.5, 3, { dtype: "int64" }).to("float32"))), [torch.randn([3])]);
  assert.throws(() => torch.toOnnx(recording), /aten::arange with fractional bounds into int64 has no translation/);
  recording.dispose();
});

test("chunk (prim::ListUnpack): an uneven last piece, fewer pieces than asked, a dynamic chunked axis", () =>
  onnxReproduces((x) => {
    const [first, second, last] = x.chunk(3, 1); // 7 rows: 3, 3, 1; at 8 and 9 rows: 3, 3, 2 and 3, 3, 3
    const columns = x.chunk(4, -1); // 6 columns in chunks of 2: three pieces
    assert.equal(columns.length, 3);
    return torch.cat([last, first.mul(2), second], 1).add(torch.cat([columns[2], columns[0], columns[1].mul(3)], -1));
  }, [torch.randn([2, 7, 6]), torch.randn([3, 8, 6]), torch.randn([1, 9, 6])], { dynamicAxes: { input0: { 0: "batch", 1: "rows" }, output0: { 0: "batch", 1: "rows" } } }));

test("chunk of an empty axis is refused by name", () => {
  const recording = torch.recordForward(new ForwardOf((x) => torch.cat(x.chunk(2, 1), 0)), [torch.randn([2, 0])]);
  assert.throws(() => torch.toOnnx(recording), /aten::chunk of an empty axis has no translation/);
  recording.dispose();
});

test("bmm, t of a matrix and of a vector, zeros_like, narrow from a negative start to the end and from a positive one; dynamic batch and width", () =>
  onnxReproduces((x) => {
    const scores = torch.bmm(x, x.transpose(1, 2));
    const tail = x.narrow(-1, -2, 2);
    const middle = x.narrow(2, 1, 2);
    const first = x.select(0, 0);
    const transposed = x.matmul(first.t()).add(first.select(0, 0).t().sum());
    return torch.zerosLike(scores).add(scores).add(torch.bmm(tail, middle.transpose(1, 2))).add(transposed);
  }, [torch.randn([2, 4, 5]), torch.randn([3, 4, 7])], { tolerance: 1e-5, dynamicAxes: { input0: { 0: "batch", 2: "width" }, output0: { 0: "batch" } } }));

// A grid reaching past the borders, so that every padding mode matters.
const grid = torch.rand([2, 3, 4, 2]).mul(2.6).sub(1.3);

test("grid_sampler as GridSample: bilinear, nearest and bicubic; zeros, border and reflection padding; with and without aligned corners", async () => {
  for (const mode of [0, 1, 2]) {
    const body = (x: Tensor) => torch.cat([0, 1, 2].flatMap((padding) => [false, true].map((align) => torch.gridSampler(x, grid, mode, padding, align))), 1);
    await onnxReproduces(body, [torch.randn([2, 2, 5, 6])], { tolerance: 1e-5 });
  }
});

test("linspace (a constant as libtorch computes it), split into sizes and into pieces of a size, baddbmm with and without beta and alpha", () =>
  onnxReproduces((x) => {
    const [a, b, c] = x.split([2, 3, 2], 1);
    const pieces = x.split(3, 1); // 7 rows: 3, 3, 1
    const points = torch.linspace(0.5, 6.5, 7).view([1, 7, 1]).add(torch.linspace(-1, 1, 3).view([1, 1, 3]));
    const mixed = torch.baddbmm(b, b, x.transpose(1, 2).narrow(2, 0, 3), { beta: 2, alpha: 0.5 });
    return torch.cat([c, a, pieces[2], torch.baddbmm(pieces[0], pieces[1], x.transpose(1, 2).narrow(2, 0, 3).narrow(1, 0, 3)).add(mixed), x.add(points)], 1);
  }, [torch.randn([2, 7, 3])], { tolerance: 1e-5 }));

test("lt, gt, all over one axis and over all, logical_not and logical_and (of bools and of floats: nonzero is true), masked_fill with a number and with -inf: exact", () =>
  onnxReproduces((x) => {
    const low = x.lt(0.3);
    const rows = low.all(-1, { keepdim: true });
    const kept = low.logicalAnd(rows.logicalNot());
    const everywhere = x.lt(10).all().logicalNot();
    return x.maskedFill(kept, -Infinity).maskedFill(everywhere, 7).maskedFill(x.logicalNot(), 2.5).maskedFill(x.logicalAnd(x.sub(3)).logicalNot(), 4).maskedFill(x.gt(2.5), -3);
  }, [torch.tensor([[0.1, 0.2, -1], [0.5, -2, 0.2], [2, 3, 0], [0.29, 0, 0.1]])]));
