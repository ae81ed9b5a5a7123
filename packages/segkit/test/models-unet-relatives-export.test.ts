// U-Net relatives of issue 22 export: reduced models recorded at an odd size, translated to ONNX, and
// onnxruntime reproduces their eval output within 1e-4 relative (U²-Net's ceil-mode pools and
// resizes to each skip's size; UNet 3+'s full-scale resampling and gate; RefineNet's
// fusion and pooling chains).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { onnxRelativeDifference } from "./fixtures/onnx-parity.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-unet-relatives-export-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const NARROW = [4, 8];
// The CGM's branch set to judge the image non-empty, so that the gated outputs are not all zero.
const presentAlways = (model: Segmentor) => torch.noGrad(() => model.stateDict().get("cls.1.bias")!.copy_(torch.tensor(Float32Array.of(-100, 100))));
const MODELS: [string, Record<string, unknown>, [number, number], ((model: Segmentor) => void)?][] = [
  ["u2net", { encoderChannels: Array(6).fill(NARROW), decoderChannels: Array(5).fill(NARROW) }, [36, 44]],
  // Max-pools of 2 to 8 with ceil mode, bilinear upsampling by 2 to 16, the CGM's argmax gate.
  ["unet3plus_deepsup_cgm", { filters: [8, 8, 16, 16, 32], catChannels: 4 }, [32, 48], presentAlways],
  // Aligned-corner upsampling to odd sizes, 5×5 stride-1 max-pools.
  ["refinenet_r101", { backboneWidth: 4, refineChannels: [16, 8] }, [36, 52]],
  ["refinenet_lw_r50", { backboneWidth: 4, refineChannels: [16, 8] }, [36, 52]],
];

for (const [name, options, size, prepare] of MODELS) {
  test(`${name} (reduced) exports to ONNX and onnxruntime reproduces the eval output on a ${size.join("×")} input`, async () => {
    const model = build<Segmentor>("model", { type: name, numClasses: 3, ...options });
    prepare?.(model);
    const difference = await onnxRelativeDifference(model, name, size, tmp);
    assert.ok(difference <= 1e-4, `onnxruntime differs by ${difference} relative`);
    model.dispose();
  });
}
