// The aten → ONNX table, op by op, beyond what the zoo tests reach: each recorded forward is written
// as ONNX and run by onnxruntime-node; its output must equal the forward's within 1e-5 relative.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import { nn, type Tensor } from "@segkit/torch";

class ForwardOf extends nn.Module {
  constructor(readonly body: (x: Tensor) => Tensor) { super(); }
  forward(x: Tensor): Tensor { return this.body(x); }
}

async function onnxMatches(body: (x: Tensor) => Tensor, shape: number[]): Promise<void> {
  const module = new ForwardOf(body);
  const input = torch.randn(shape);
  const recording = torch.recordForward(module, [input]);
  const session = await ort.InferenceSession.create(torch.toOnnx(recording));
  const { output0 } = await session.run({ input0: new ort.Tensor("float32", input.toTypedArray() as Float32Array, shape) });
  await session.release();
  const expected = torch.noGrad(() => module.call(input));
  assert.deepEqual(output0.dims, expected.shape);
  const got = torch.tensor(output0.data as Float32Array).reshape(expected.shape);
  const difference = torch.relativeDifference([got], [expected]);
  assert.ok(difference <= 1e-5, `relative difference ${difference}`);
}

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
