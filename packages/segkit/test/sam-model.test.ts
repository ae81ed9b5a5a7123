// SAM against the authors' segment_anything (github:facebookresearch/segment-anything, run by
// fixtures/sam_make_golden.py on Debian's torch 1.13 with seeded weights): the reduced model's
// torch.save checkpoint loads with no missing, unexpected or mismatched key; its image embedding of
// the reference's resized image agrees within 1e-4 relative, also attended in query slices; the
// official ViT-B/L/H parameter counts and ViT-B's key table equal the reference's, counted on
// libtorch's meta device (nothing allocated).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { Sam } from "../src/models/sam/sam.js";
import { buildSam, SAM_VARIANTS, type SamVariant } from "../src/models/sam/variants.js";
import { samOptionsFromCheckpoint } from "../src/models/sam/checkpoint-options.js";
import { countParametersOf } from "../src/models/complexity.js";
import { relativeDifference } from "./fixtures/reference_weights.js";
import { REDUCED_SAM, SAM_REDUCED_PTH, reducedSam, resizedInput, samGolden } from "./fixtures/sam_fixture.js";

torch.setNumThreads(1);
const { tensors: golden, metadata } = samGolden;

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:facebookresearch/segment-anything");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

test("the reference's torch.save checkpoint loads with no missing, unexpected or mismatched key", () => {
  const sam = new Sam(REDUCED_SAM);
  const { tensors, format } = torch.loadWeights(SAM_REDUCED_PTH);
  assert.equal(format, "pth");
  const result = sam.loadStateDict(tensors, { strict: false });
  assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
  // pixel_mean and pixel_std are buffers outside the state dict, as in the reference.
  assert.equal(sam.stateDict().size, tensors.size);
  assert.ok(!sam.stateDict().has("pixel_mean"));
  for (const t of tensors.values()) t.dispose();
  sam.dispose();
});

test("image embedding within 1e-4 relative of the reference's (windowed, padded windows, global blocks, neck)", () => {
  const start = torch.liveTensors();
  const sam = reducedSam();
  const input = resizedInput();
  const embedding = torch.tidy(() => torch.inferenceMode(() => sam.embed(input)));
  assert.deepEqual(embedding.shape, [1, 64, 8, 8]);
  const diff = relativeDifference(embedding, golden.get("embedding")!);
  assert.ok(diff <= 1e-4, `embedding: relative difference ${diff}`);
  // The global blocks attended one query row-slice at a time (64 queries × 4 heads × 64 keys at
  // most 4 096 weights: 16 queries per slice) give the same embedding.
  const sliced = reducedSam({ chunkElements: 4096 });
  const again = torch.tidy(() => torch.inferenceMode(() => sliced.embed(input)));
  assert.ok(relativeDifference(again, embedding) <= 1e-6, "query slices");
  for (const t of [embedding, again, input]) t.dispose();
  sam.dispose();
  sliced.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("the image encoder refuses an input of another size, naming the expected one", () => {
  const sam = reducedSam();
  const x = torch.zeros([1, 3, 96, 128]);
  assert.throws(() => sam.image_encoder.call(x), /expected a \(B, 3, 128, 128\) batch, got \[1, 3, 96, 128\]/);
  x.dispose();
  sam.dispose();
});

// Official: ViT-B 93.7M, ViT-L 312.3M, ViT-H 641.1M (the SAM repository's model table).
test("full-size parameter counts and ViT-B's key table equal the reference's, counted on the meta device", () => {
  const counts = JSON.parse(metadata.parameters) as Record<SamVariant, number>;
  for (const variant of Object.keys(SAM_VARIANTS) as SamVariant[]) {
    assert.equal(countParametersOf(() => buildSam(variant)), counts[variant], variant);
  }
  assert.equal(Math.round(counts.vit_b / 1e5) / 10, 93.7);
  assert.equal(Math.round(counts.vit_l / 1e5) / 10, 312.3);
  assert.equal(Math.round(counts.vit_h / 1e5) / 10, 641.1);
  const keys = JSON.parse(metadata["vit_b.keys"]) as [string, number[]][];
  const own = torch.withDefaultDevice("meta", () => {
    const sam = buildSam("vit_b");
    try {
      return [...sam.stateDict()].map(([k, t]) => [k, t.shape] as [string, number[]]);
    } finally {
      sam.dispose();
    }
  });
  assert.deepEqual(new Map(own), new Map(keys));
});

test("a checkpoint's shapes give back the official sizes (ViT-B, ViT-H) and the reduced fixture's; others are refused", () => {
  const optionsOf = (variant: SamVariant) => torch.withDefaultDevice("meta", () => {
    const sam = buildSam(variant);
    try {
      return samOptionsFromCheckpoint(sam.stateDict(), variant);
    } finally {
      sam.dispose();
    }
  });
  for (const variant of ["vit_b", "vit_h"] as const) {
    const { globalAttnIndexes, ...sizes } = SAM_VARIANTS[variant];
    assert.deepEqual(optionsOf(variant), {
      imgSize: 1024, promptEmbedDim: 256, maskInChannels: 16,
      encoder: { ...sizes, globalAttnIndexes: [...globalAttnIndexes], windowSize: 14, patchSize: 16, mlpRatio: 4 },
      decoder: { depth: 2, numHeads: 8, mlpDim: 2048, numMultimaskOutputs: 3, iouHeadDepth: 3, iouHeadHiddenDim: 256 },
    });
  }
  const { tensors } = torch.loadWeights(SAM_REDUCED_PTH);
  assert.deepEqual(samOptionsFromCheckpoint(tensors, "fixture", 4), REDUCED_SAM);
  for (const t of tensors.values()) t.dispose();
  assert.throws(() => samOptionsFromCheckpoint(new Map(), "other.pth"), /other\.pth: not a SAM checkpoint in the authors' layout \(no "image_encoder\.patch_embed\.proj\.weight"\)/);
});
