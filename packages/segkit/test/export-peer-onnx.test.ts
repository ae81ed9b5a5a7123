// segkit's ONNX export against torch.onnx's (the PyTorch peer's `onnx` command: torch.onnx.export
// of torchvision's eval model, Debian's torch 1.13, opset 17) for deeplabv3_resnet50 and
// lraspp_mobilenet_v3_large with the same weights: onnxruntime-node runs both files on the peer's
// input and they agree with each other and with PyTorch's output within 1e-4 relative. Full-width
// random weights, reduced input sizes; every file is written to a temp dir and deleted.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { exportModel } from "../src/engine/export-model.js";
import { loadExport } from "./fixtures/peer-export.js";

const PEER = fileURLToPath(new URL("../../../../../shared/peers/pytorch_peer.py", import.meta.url));
const PYTHON = "/usr/bin/python3"; // Debian's python with torch and torchvision (not the one on PATH)
const CLASSES = 5;
const tmp = mkdtempSync(join(tmpdir(), "segkit-export-peer-onnx-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
torch.setNumThreads(1);

function peer(...args: string[]): void {
  execFileSync(PYTHON, [PEER, ...args, "--classes", String(CLASSES)], { stdio: ["ignore", "ignore", "inherit"] });
}

async function runOnnx(file: string, input: torch.Tensor): Promise<torch.Tensor> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  try {
    const result = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", input.toTypedArray() as Float32Array, input.shape) });
    const out = result[session.outputNames[0]];
    return torch.tensor(out.data as Float32Array, { shape: out.dims as number[] });
  } finally {
    await session.release();
  }
}

for (const [name, size] of [["deeplabv3_resnet50", [64, 64]], ["lraspp_mobilenet_v3_large", [64, 96]]] as const) {
  test(`${name}: segkit's ONNX file and torch.onnx's agree on the same weights`, async () => {
    const [h, w] = size.map(String);
    const ours = join(tmp, `${name}.segkit.onnx`);
    const theirs = join(tmp, `${name}.torch.onnx`);
    const weights = join(tmp, `${name}.safetensors`);
    // `onnx` seeds, builds and exports the model with BatchNorm statistics as initialised; `export`
    // (same seed, so the same parameters) writes the state dict with randomised statistics, which
    // are reset here to the initial ones. PyTorch's output on the onnx command's input proves it.
    peer("onnx", "--model", name, "--size", h, w, "--out", theirs);
    peer("export", "--model", name, "--size", h, w, "--out", weights);
    const model = build<Segmentor>("model", { type: name, numClasses: CLASSES }).eval();
    const loaded = loadExport(model, weights);
    assert.deepEqual([loaded.missingKeys, loaded.unexpectedKeys], [[], []]);
    loaded.input.dispose();
    loaded.expected.dispose();
    torch.noGrad(() => {
      for (const [key, t] of model.stateDict()) {
        if (key.endsWith(".running_mean")) t.zero_();
        if (key.endsWith(".running_var")) t.fill_(1);
      }
    });
    const io = torch.loadSafetensors(theirs + ".safetensors").tensors;
    const [input, expected] = [io.get("__input__")!, io.get("__output__")!];
    exportModel(model, ours, { format: "onnx", size: [size[0], size[1]], modelType: name });
    const eager = torch.noGrad(() => model.call(input));
    const [fromOurs, fromTheirs] = [await runOnnx(ours, input), await runOnnx(theirs, input)];
    const scale = torch.tidy(() => expected.abs().max().item());
    const differences = {
      "segkit eager vs PyTorch": torch.relativeDifference([eager], [expected]),
      "segkit's ONNX vs torch.onnx's (both onnxruntime)": torch.relativeDifference([fromOurs], [fromTheirs]),
      "segkit's ONNX vs PyTorch": torch.relativeDifference([fromOurs], [expected]),
      "torch.onnx's ONNX vs PyTorch": torch.relativeDifference([fromTheirs], [expected]),
    };
    for (const [what, d] of Object.entries(differences)) assert.ok(d <= 1e-4, `${what}: ${d} relative to ${scale}`);
    for (const t of [eager, fromOurs, fromTheirs, ...io.values()]) t.dispose();
    model.dispose();
    for (const f of [ours, theirs, theirs + ".safetensors", weights]) rmSync(f);
  });
}
