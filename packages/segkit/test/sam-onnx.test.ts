// SAM's ONNX graphs run by onnxruntime against the authors' SamPredictor outputs
// (fixtures/sam_make_golden.py): the image encoder graph gives the reference's embedding, and the
// prompt decoder graph (image embedding as an input, as the reference's export_onnx_model.py) gives
// its low-resolution logits and IoU for a box with two clicks, and for clicks with a mask input; all
// within 1e-4 relative. The decoder graph is one file for any number of prompt points (the
// reference's dynamic num_points axis): run at 1, 2 and 5 points it equals segkit's eager decoder.
// onnxruntime-node is called directly: segkit's onnxruntime engine runs segmentation graphs of one
// image input, which these are not.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import { decoderExample, exportSamDecoder, exportSamImageEncoder, scaleCoords, SAM_DECODER_INPUTS } from "../src/models/sam/index.js";
import { SamPromptDecoder } from "../src/models/sam/onnx-decoder.js";
import { relativeDifference } from "./fixtures/reference_weights.js";
import { reducedSam, resizedInput, samGolden, type SamCase } from "./fixtures/sam_fixture.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-sam-onnx-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const { tensors: golden, metadata } = samGolden;
const CASES = JSON.parse(metadata.cases) as SamCase[];
const originalSize = golden.get("image")!.shape.slice(0, 2);
// One decoder file for every case: exported once, with the fixture's weights.
const decoderFile = join(tmp, "decoder.onnx");
{
  const sam = reducedSam();
  const difference = exportSamDecoder(sam, decoderFile);
  assert.ok(difference <= 1e-4, `decoder export check: ${difference}`);
  sam.dispose();
}

const feed = (t: torch.Tensor): ort.Tensor => new ort.Tensor("float32", t.to("float32").contiguous().toTypedArray() as Float32Array, t.shape);
const fromOrt = (t: ort.Tensor): torch.Tensor => torch.tensor(t.data as Float32Array, { shape: [...t.dims] });

async function run(file: string, inputs: Record<string, torch.Tensor>): Promise<Record<string, torch.Tensor>> {
  const session = await ort.InferenceSession.create(file);
  try {
    const result = await session.run(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, feed(v)])));
    return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, fromOrt(v)]));
  } finally {
    await session.release();
  }
}

test("the image encoder graph gives the reference's embedding", async () => {
  const sam = reducedSam();
  const file = join(tmp, "encoder.onnx");
  assert.ok(exportSamImageEncoder(sam, file) <= 1e-4);
  const image = torch.tidy(() => sam.preprocess(resizedInput()));
  const { image_embeddings: embedding } = await run(file, { image });
  const diff = relativeDifference(embedding, golden.get("embedding")!);
  assert.ok(diff <= 1e-4, `embedding: relative difference ${diff}`);
  for (const t of [image, embedding]) t.dispose();
  sam.dispose();
});

for (const name of ["box_points", "mask_input"]) {
  test(`the prompt decoder graph gives the reference's masks and IoU (${name})`, async () => {
    const sam = reducedSam();
    const c = CASES.find((k) => k.name === name)!;
    // The reference's prompt tokens: clicks, then the box corners (labels 2, 3) or a padding point (−1).
    const points = [...(c.points ?? []), ...(c.box ? [c.box.slice(0, 2), c.box.slice(2)] : [[0, 0]])];
    const labels = [...(c.labels ?? []), ...(c.box ? [2, 3] : [-1])];
    const coords = scaleCoords(points, originalSize, sam.imgSize);
    // The mask input is the best low-resolution mask of the case before (box_points), as the fixture fed it.
    const previous = golden.get("box_points.low_res")!;
    const inputs = torch.tidy(() => [
      golden.get("embedding")!,
      torch.tensor([coords]),
      torch.tensor([labels], { dtype: "float32" }),
      c.maskInput ? previous.unsqueeze(0) : torch.zeros([1, 1, 32, 32]),
      torch.tensor(Float32Array.of(c.maskInput ? 1 : 0)),
    ]);
    const result = await run(decoderFile, Object.fromEntries(SAM_DECODER_INPUTS.map((k, i) => [k, inputs[i]])));
    // Single-mask cases: the reference returns mask token 0.
    const [masks, iou] = torch.tidy(() => [result.low_res_masks.slice(1, 0, 1).squeeze(0), result.iou_predictions.slice(1, 0, 1).squeeze(0)]);
    for (const [what, actual] of [["low_res", masks], ["iou", iou]] as const) {
      const diff = relativeDifference(actual, golden.get(`${name}.${what}`)!);
      assert.ok(diff <= 1e-4, `${name} ${what}: relative difference ${diff}`);
    }
    for (const t of [...inputs.slice(1), masks, iou, ...Object.values(result)]) t.dispose();
    sam.dispose();
  });
}

test("one decoder graph runs with 1, 2 and 5 points, equal to the eager decoder", async () => {
  const sam = reducedSam();
  const decoder = new SamPromptDecoder(sam);
  torch.manualSeed(24);
  for (const points of [1, 2, 5]) {
    const inputs = decoderExample(sam, points);
    const [embedding, coords, labels, maskInput, hasMaskInput] = inputs;
    const expected = torch.noGrad(() => decoder.call(embedding, coords, labels, maskInput, hasMaskInput));
    const result = await run(decoderFile, Object.fromEntries(SAM_DECODER_INPUTS.map((k, i) => [k, inputs[i]])));
    for (const [i, name] of ["low_res_masks", "iou_predictions"].entries()) {
      assert.deepEqual(result[name].shape, expected[i].shape, `${points} points: ${name} shape`);
      const diff = relativeDifference(result[name], expected[i]);
      assert.ok(diff <= 1e-4, `${points} points: ${name} relative difference ${diff}`);
    }
    for (const t of [...inputs, ...expected, ...Object.values(result)]) t.dispose();
  }
  sam.dispose();
});
