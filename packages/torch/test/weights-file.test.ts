// loadWeights tells safetensors from torch.save's formats by content: a safetensors header whose
// length starts with the byte a pickle starts with (0x80) is still safetensors; zip and legacy .pth
// files written by Debian's torch.save are .pth; anything else is refused naming the file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../src/index.js";

const PTH = fileURLToPath(new URL("../../test/fixtures/pth", import.meta.url));

test("the format comes from the bytes, whatever the name", () => {
  const dir = mkdtempSync(join(tmpdir(), "weights-file-"));
  try {
    const t = torch.tensor([1, 2, 3]);
    // Metadata padded until the header length's first byte is 0x80, the pickle protocol opcode.
    let bytes = torch.serializeSafetensors({ t });
    for (let pad = 0; bytes[0] !== 0x80; pad++) bytes = torch.serializeSafetensors({ t }, { pad: "x".repeat(pad) });
    const file = join(dir, "weights.pth");
    writeFileSync(file, bytes);
    const loaded = torch.loadWeights(file);
    assert.equal(loaded.format, "safetensors");
    assert.deepEqual(loaded.tensors.get("t")!.toArray(), [1, 2, 3]);
    loaded.tensors.forEach((x) => x.dispose());
    t.dispose();
    for (const name of ["plain.pth", "legacy.pth", "mmengine.pth"]) assert.equal(torch.weightsFormat(readFileSync(join(PTH, name)), name), "pth", name);
    assert.throws(() => torch.weightsFormat(new TextEncoder().encode("{\"not\": \"weights\"}"), "config.json"), /config\.json: neither a safetensors file nor a torch\.save checkpoint/);
    assert.throws(() => torch.saveWeights(join(dir, "w.onnx"), new Map()), /w\.onnx: the name must end in \.safetensors, \.pth or \.pt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
