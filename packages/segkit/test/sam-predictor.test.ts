// SamPredictor against the authors' SamPredictor (fixtures/sam_make_golden.py, seeded reduced SAM):
// for one point with multimask, a box with foreground and background points, points with the
// previous low-resolution mask as mask input, and a box alone, the mask logits at the original image
// size, the IoU predictions and the low-resolution logits agree within 1e-4 relative; the
// reference's masks are neither empty nor full (5-95% positive); with the libtorch decoder and with
// onnxruntime's (predictAsync), also with a session shared by two predictors. The resize gives PIL's pixels;
// bad prompts get errors naming them; the embedding is owned and freed.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { SAM_DECODER_BACKENDS, SamOnnxPromptSession, SamPredictor, resizeLongestSide, type PointPrompt } from "../src/models/sam/index.js";
import { pilBilinearResize } from "../src/models/sam/pil-resize.js";
import { relativeDifference } from "./fixtures/reference_weights.js";
import { reducedSam, resizedInput, samGolden, type SamCase } from "./fixtures/sam_fixture.js";

torch.setNumThreads(1);
const { tensors: golden, metadata } = samGolden;
const CASES = JSON.parse(metadata.cases) as SamCase[];
const image = golden.get("image")!;
const originalSize: [number, number] = [image.shape[0], image.shape[1]];

function positiveFraction(logits: torch.Tensor): number[] {
  return torch.tidy(() => logits.gt(0).to("float32").mean([1, 2]).toArray());
}

/** The four fixture cases through `predictor` (its image set), each within 1e-4 of the reference's. */
async function checkCases(predictor: SamPredictor): Promise<void> {
  let previous: torch.Tensor | undefined;
  for (const c of CASES) {
    const expected = golden.get(`${c.name}.masks`)!;
    for (const fraction of positiveFraction(expected)) {
      assert.ok(fraction >= 0.05 && fraction <= 0.95, `${c.name}: the reference's mask is ${(100 * fraction).toFixed(1)}% positive`);
    }
    const points: PointPrompt[] | undefined = c.points?.map(([x, y], i) => ({ x, y, label: c.labels![i] }));
    const request = { points, box: c.box ?? undefined, maskInput: c.maskInput ? previous : undefined, multimask: c.multimask };
    const out = predictor.decoder === "libtorch" ? predictor.predict(request) : await predictor.predictAsync(request);
    assert.deepEqual(out.logits.shape, expected.shape, c.name);
    for (const [what, actual] of [["masks", out.logits], ["iou", out.iou], ["low_res", out.lowRes]] as const) {
      const diff = relativeDifference(actual, golden.get(`${c.name}.${what}`)!);
      assert.ok(diff <= 1e-4, `${predictor.decoder} ${c.name} ${what}: relative difference ${diff}`);
    }
    previous?.dispose();
    // The reference feeds back the best mask's low-resolution logits.
    previous = torch.tidy(() => out.lowRes.select(0, out.iou.argmax().item()).unsqueeze(0));
    for (const t of [out.logits, out.iou, out.lowRes]) t.dispose();
  }
  previous?.dispose();
}

for (const decoder of SAM_DECODER_BACKENDS) {
  test(`masks, IoU and low-resolution logits of four prompt kinds within 1e-4 of the reference's (${decoder} decoder)`, async () => {
    const start = torch.liveTensors();
    const sam = reducedSam();
    const predictor = new SamPredictor(sam, { decoder });
    const input = resizedInput();
    predictor.setResizedImage(input, originalSize);
    assert.ok(relativeDifference(predictor.embedding, golden.get("embedding")!) <= 1e-4, "embedding");
    await checkCases(predictor);
    input.dispose();
    await predictor.dispose();
    sam.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

test("predictors of one model share an onnxruntime session: each reproduces the reference, and disposing one leaves the session to the others", async () => {
  const sam = reducedSam();
  const session = await SamOnnxPromptSession.create(sam, 1);
  const input = resizedInput();
  const first = new SamPredictor(sam, { decoder: "onnxruntime", session });
  first.setResizedImage(input, originalSize);
  await checkCases(first);
  await first.dispose();
  const second = new SamPredictor(sam, { decoder: "onnxruntime", session });
  second.setResizedImage(input, originalSize);
  await checkCases(second);
  // The automatic mask generator's batched prompts run on libtorch on any predictor.
  const [x, y] = [40, 30];
  const batched = second.predictInputFrame({ points: { coords: torch.tensor([[[x, y]]]), labels: torch.tensor([[1]], { dtype: "int32" }) } }, true);
  const toOriginal = Math.max(...originalSize) / sam.imgSize; // the inverse of the predictor's scaleCoords
  const single = await second.predictAsync({ points: [{ x: x * toOriginal, y: y * toOriginal }] });
  assert.ok(relativeDifference(batched.iou.squeeze(0), single.iou) <= 1e-4, "predictInputFrame on an onnxruntime predictor");
  for (const t of [batched.logits, batched.iou, batched.lowRes, single.logits, single.iou, single.lowRes]) t.dispose();
  await second.dispose();
  const other = reducedSam();
  assert.throws(() => new SamPredictor(other, { decoder: "onnxruntime", session }), /the session was made for another model/);
  assert.throws(() => new SamPredictor(sam, { session }), /a session is for the onnxruntime decoder, not libtorch/);
  other.dispose();
  await session.dispose();
  input.dispose();
  sam.dispose();
});

test("the resize gives Pillow's pixels exactly (upscale and antialiased downscale); setImage on the original image equals the reference's", () => {
  const sam = reducedSam();
  const resized = resizeLongestSide(image, sam.imgSize);
  const expected = torch.tidy(() => golden.get("resized")!.permute([2, 0, 1]).unsqueeze(0).to("float32"));
  assert.deepEqual(resized.shape, [1, 3, 96, 128]);
  assert.deepEqual(resized.toArray(), expected.toArray());
  const down = pilBilinearResize(image.toTypedArray() as Uint8Array, image.shape, [27, 37]);
  assert.deepEqual([...down], golden.get("pil_down")!.toArray());
  const predictor = new SamPredictor(sam);
  predictor.setImage(image);
  assert.deepEqual(predictor.inputSize, [96, 128]);
  assert.deepEqual(predictor.originalSize, originalSize);
  assert.ok(relativeDifference(predictor.embedding, golden.get("embedding")!) <= 1e-4);
  for (const t of [resized, expected]) t.dispose();
  predictor.dispose();
  sam.dispose();
});

test("many prompts on one image do not grow memory", () => {
  const sam = reducedSam();
  const predictor = new SamPredictor(sam);
  predictor.setImage(image);
  const live = torch.liveTensors();
  for (let i = 0; i < 20; i++) {
    const out = predictor.predict({ points: [{ x: 3 * i, y: 2 * i }] });
    for (const t of [out.logits, out.iou, out.lowRes]) t.dispose();
  }
  assert.equal(torch.liveTensors(), live);
  predictor.dispose();
  assert.equal(torch.liveTensors(), live - 7, "dispose frees the embedding, the image grid's position encoding and the decoder's five prepared image tensors");
  sam.dispose();
});

test("bad prompts and options get errors naming them", async () => {
  const sam = reducedSam();
  const predictor = new SamPredictor(sam);
  assert.throws(() => predictor.predict({ points: [{ x: 1, y: 1 }] }), /no image set/);
  predictor.setImage(image);
  assert.throws(() => predictor.predict({}), /give points, a box or a mask input/);
  assert.throws(() => predictor.predict({ points: [{ x: Number.NaN, y: 1 }] }), /points\[0\]\.x must be a finite number/);
  assert.throws(() => predictor.predict({ points: [{ x: 1, y: 1, label: 2 }] }), /points\[0\]\.label must be 1 \(foreground\) or 0/);
  assert.throws(() => predictor.predict({ box: [1, 2, 3] as unknown as [number, number, number, number] }), /box must be \[x0, y0, x1, y1\]/);
  const wrong = torch.zeros([1, 16, 16]);
  assert.throws(() => predictor.predict({ maskInput: wrong }), /maskInput must be \(1, 32, 32\)/);
  const gray = torch.zeros([4, 4]);
  assert.throws(() => predictor.setImage(gray), /expected an RGB image \(H, W, 3\)/);
  for (const t of [wrong, gray]) t.dispose();
  predictor.dispose();
  assert.throws(() => new SamPredictor(sam, { decoder: "tensorrt" as "libtorch" }), /decoder must be libtorch or onnxruntime, got "tensorrt"/);
  assert.throws(() => new SamPredictor(sam, { engine: "onnxruntime" } as object), /unknown option "engine"/);
  const onnx = new SamPredictor(sam, { decoder: "onnxruntime" });
  onnx.setImage(image);
  assert.throws(() => onnx.predict({ points: [{ x: 1, y: 1 }] }), /the onnxruntime decoder runs asynchronously: call predictAsync/);
  await assert.rejects(onnx.predictAsync({ points: [{ x: 1, y: 1, label: 2 }] }), /points\[0\]\.label must be 1/);
  await onnx.dispose();
  sam.dispose();
});

test("postprocessMasks at the resized size skips the same-size resize and gives exactly the two-resize result", () => {
  const sam = reducedSam();
  torch.tidy(() => {
    const masks = torch.randn([1, 3, sam.imgSize / 4, sam.imgSize / 4]);
    const inputSize = [sam.imgSize, (sam.imgSize * 3) / 4];
    const padded = torch.nn.functional.interpolate(masks, { size: [sam.imgSize, sam.imgSize], mode: "bilinear", alignCorners: false });
    const cropped = padded.slice(2, 0, inputSize[0]).slice(3, 0, inputSize[1]);
    const twoResizes = torch.nn.functional.interpolate(cropped, { size: inputSize, mode: "bilinear", alignCorners: false });
    const fast = sam.postprocessMasks(masks, inputSize, inputSize);
    assert.deepEqual(fast.shape, [1, 3, ...inputSize]);
    assert.deepEqual(fast.toArray(), twoResizes.toArray());
  });
  sam.dispose();
});

test("postprocessMasks upscales only the rows and columns the crop reads: exactly the whole upscale, cropped (then resized)", () => {
  const sam = reducedSam();
  const size = sam.imgSize;
  torch.tidy(() => {
    const masks = torch.randn([2, 3, size / 4, size / 4]);
    for (const [inputSize, originalSize] of [[[size, 77], [40, 33]], [[61, size], [61, size]], [[size, size], [size, size]], [[1, 3], [5, 7]]]) {
      const padded = torch.nn.functional.interpolate(masks, { size: [size, size], mode: "bilinear", alignCorners: false });
      const cropped = padded.slice(2, 0, inputSize[0]).slice(3, 0, inputSize[1]);
      const whole = torch.nn.functional.interpolate(cropped, { size: originalSize, mode: "bilinear", alignCorners: false });
      const fast = sam.postprocessMasks(masks, inputSize, originalSize);
      assert.deepEqual(fast.shape, [2, 3, ...originalSize], `${inputSize}`);
      assert.deepEqual(fast.toArray(), whole.toArray(), `${inputSize} → ${originalSize}`);
    }
  });
  sam.dispose();
});

test("the channels-last upscaling (transposed convs as matmuls) equals the reference's layers run as a Sequential", () => {
  const sam = reducedSam();
  const decoder = sam.mask_decoder;
  const [h, w] = sam.prompt_encoder.embeddingSize;
  torch.tidy(() => {
    const [b, c] = [2, decoder.dim];
    const tokens = torch.randn([b, h * w, c]);
    const hyper = torch.randn([b, decoder.numMaskTokens, c / 8]);
    const upscaled = decoder.output_upscaling.call(tokens.transpose(1, 2).reshape([b, c, h, w]));
    const expected = hyper.matmul(upscaled.flatten(2)).reshape([b, -1, 4 * h, 4 * w]);
    const actual = decoder.maskLogits(tokens, hyper, [h, w]);
    assert.deepEqual(actual.shape, expected.shape);
    assert.ok(expected.std().item() > 0.01, "the masks vary");
    const diff = relativeDifference(actual, expected);
    assert.ok(diff <= 1e-5, `relative difference ${diff}`);
  });
  sam.dispose();
});

test("setEmbedding with an embedding computed elsewhere predicts as setResizedImage does; a wrong shape is refused", () => {
  const sam = reducedSam();
  const encoded = new SamPredictor(sam);
  const input = resizedInput();
  encoded.setResizedImage(input, originalSize);
  const given = new SamPredictor(sam);
  given.setEmbedding(encoded.embedding, encoded.inputSize, originalSize);
  const click = { points: [{ x: 20, y: 30 }] };
  const [a, b] = [encoded.predict(click), given.predict(click)];
  assert.deepEqual(b.logits.toArray(), a.logits.toArray());
  assert.deepEqual(b.iou.toArray(), a.iou.toArray());
  const wrong = torch.zeros([1, 8, 4, 4]);
  assert.throws(() => given.setEmbedding(wrong, [4, 4], [4, 4]), /setEmbedding: expected an embedding \[1, \d+, \d+, \d+\], got \[1, 8, 4, 4\]/);
  for (const t of [a.logits, a.iou, a.lowRes, b.logits, b.iou, b.lowRes, wrong, input]) t.dispose();
  for (const p of [encoded, given]) p.dispose();
  sam.dispose();
});
