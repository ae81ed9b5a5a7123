// A state dict exported by the PyTorch peer (its classic U-Net) loads into the same structure built
// from segkit modules with no missing or unexpected keys, and the eval output matches PyTorch's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { nn } from "../src/index.js";
import { SHARED } from "./helpers.js";

const PYTHON = "/usr/bin/python3";

// The peer's layout: DoubleConv = Sequential(conv, bn, relu, conv, bn, relu); downs/ups ModuleLists,
// upconvs ConvTranspose2d(2, stride 2), head a 1x1 conv. (The real model lives in segkit/models.)
class DoubleConv extends nn.Sequential {
  constructor(cin: number, cout: number) {
    super(
      new nn.Conv2d(cin, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU(),
      new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU(),
    );
  }
}

class UNet extends nn.Module {
  readonly downs: nn.ModuleList<DoubleConv>;
  readonly ups: nn.ModuleList<DoubleConv>;
  readonly upconvs: nn.ModuleList<nn.ConvTranspose2d>;
  readonly head: nn.Conv2d;

  constructor(classes: number, widths = [64, 128, 256, 512, 1024]) {
    super();
    this.downs = this.registerModule("downs", new nn.ModuleList(widths.map((w, i) => new DoubleConv(i === 0 ? 3 : widths[i - 1], w))));
    const upWidths = widths.slice(0, -1).reverse();
    this.ups = this.registerModule("ups", new nn.ModuleList(upWidths.map((w) => new DoubleConv(2 * w, w))));
    this.upconvs = this.registerModule("upconvs", new nn.ModuleList(upWidths.map((w) => new nn.ConvTranspose2d(2 * w, w, 2, { stride: 2 }))));
    this.head = this.registerModule("head", new nn.Conv2d(widths[0], classes, 1));
  }

  forward(x: torch.Tensor): torch.Tensor {
    const skips: torch.Tensor[] = [];
    let h = x;
    for (const [i, down] of [...this.downs].entries()) {
      h = down.call(h);
      if (i < this.downs.length - 1) {
        skips.push(h);
        h = torch.maxPool2d(h, 2);
      }
    }
    for (const [i, up] of [...this.ups].entries()) {
      h = up.call(torch.cat([skips[skips.length - 1 - i], this.upconvs.at(i).call(h)], 1));
    }
    return this.head.call(h);
  }
}

test("a U-Net state dict exported by PyTorch loads with zero missing/unexpected keys and the same output", () => {
  const dir = mkdtempSync(join(tmpdir(), "segkit-nn-unet-"));
  const unet = new UNet(12);
  try {
    const file = join(dir, "unet.safetensors");
    execFileSync(PYTHON, [join(SHARED, "peers/pytorch_peer.py"), "export", "--model", "unet", "--classes", "12", "--size", "64", "64", "--out", file],
      { stdio: ["ignore", "ignore", "inherit"] });
    const { tensors } = torch.loadSafetensors(file);
    const input = tensors.get("__input__")!;
    const expected = tensors.get("__output__")!;
    tensors.delete("__input__");
    tensors.delete("__output__");
    const { missingKeys, unexpectedKeys, mismatchedKeys } = unet.loadStateDict(tensors, { strict: false });
    assert.deepEqual(mismatchedKeys, []);
    assert.deepEqual(missingKeys, []);
    assert.deepEqual(unexpectedKeys, []);
    for (const t of tensors.values()) t.dispose();
    unet.eval();
    torch.tidy(() => {
      const out = torch.noGrad(() => unet.forward(input));
      assert.deepEqual(out.shape, [input.shape[0], 12, 64, 64]);
      const maxAbs = out.sub(expected).abs().max().item();
      assert.ok(maxAbs <= 1e-4, `max abs difference ${maxAbs} > 1e-4`);
    });
    input.dispose();
    expected.dispose();
  } finally {
    unet.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
