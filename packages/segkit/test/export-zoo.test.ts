// Zoo models exported (export-parity.ts): the ONNX file run by onnxruntime-node and the TorchScript
// file run by Python's torch.jit.load reproduce segkit's eval output within 1e-4 relative, and
// onnx.checker accepts the ONNX file.
// Random weights at full width (written to a temp dir only), reduced input sizes.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { exportModel } from "../src/engine/export-model.js";
import { notExportableReason, registerNotExportable } from "../src/models/not-exportable.js";
import { assertExportsReproduce } from "./export-parity.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-export-zoo-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
torch.setNumThreads(1);

for (const [name, options, size] of [
  ["unet", { widths: [8, 16, 32] }, [32, 48]],
  ["fcn_resnet50", {}, [64, 64]],
  ["lraspp_mobilenet_v3_large", {}, [64, 96]],
  // Its pyramid pools the 8×8 feature map into 3×3 and 6×6 bins, which do not divide it.
  ["pspnet_resnet50", {}, [64, 64]],
  // Unpools with the max-pooling indices (ScatterElements in ONNX).
  ["enet", {}, [64, 64]],
  // Attention over token sequences (layer norm, linear, matmul, softmax, GELU); 64×96 is no multiple of 32.
  ["segformer_b0", {}, [64, 96]],
  // Spatial-reduction attention ("kv" split by slicing) under an FPN; linear SRA's 7×7 pooling does not divide its grids.
  ["fpn_pvt_v2_b0", {}, [64, 96]],
  ["fpn_pvt_v2_b2_li", { embedDims: [16, 32, 48, 64], numHeads: [1, 2, 3, 4], depths: [1, 1, 1, 1] }, [64, 96]],
  // Pooling without the padded cells (count_include_pad false) and GroupNorm(1), which opset 17 lacks.
  ["fpn_poolformer_s12", { depths: [1, 1, 1, 1] }, [64, 96]],
  // Position embeddings resized to the token grid (the last stage's sliced past its class-token entry).
  ["fpn_pvt_tiny", { depths: [1, 1, 1, 1] }, [64, 96]],
  // HRNet's fusion (bilinear by 2^k, then to the exact size: 72×100 is no multiple of 32) and OCR's region attention.
  ["ocrnet_hr18s", {}, [72, 100]],
  // LayerNorm over channels (permuted), depthwise 7×7 convs, layer scale; UPerNet's pyramid pooling on a 2×3 map.
  ["upernet_convnext_t", { dims: [16, 32, 48, 64], depths: [1, 1, 1, 1], headChannels: 16, auxChannels: 8 }, [64, 96]],
  // Shifted windows (roll, the mask a constant of the recorded size, padding of the 16×24 and 2×3 grids to the window 5).
  ["upernet_swin_t", { embedDim: 16, depths: [2, 2, 2, 2], numHeads: [1, 2, 2, 4], windowSize: 5, headChannels: 16, auxChannels: 8 }, [64, 96]],
] as [string, Record<string, unknown>, [number, number]][]) {
  test(`${name} exports to ONNX and TorchScript and both files reproduce the eval output`, async () => {
    assert.equal(notExportableReason(name), null);
    const model = build<Segmentor>("model", { type: name, numClasses: 3, ...options }).eval();
    await assertExportsReproduce(model, name, size, tmp);
    model.dispose();
  });
}

test("a model registered as not exportable is refused with the reason", () => {
  registerNotExportable("export_test_refused", "the test says so");
  const model = build<Segmentor>("model", { type: "unet", numClasses: 3, widths: [4] });
  assert.throws(() => exportModel(model, join(tmp, "refused.onnx"), { format: "onnx", size: [16, 16], modelType: "export_test_refused" }),
    /model export_test_refused is not exportable: the test says so/);
  model.dispose();
});
