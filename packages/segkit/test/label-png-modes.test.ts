// Label PNGs of every bit depth and colour type, written by PIL (or, for the modes PIL cannot
// write, by the fixture script's minimal encoder) in test/fixtures/label_png_modes.py: a class id
// is the stored value (grey of 1–16 bits, the grey of grey+alpha) or the palette index, and how
// that relates to PIL's `np.array(Image.open(f))` is checked per mode, as label-png.ts documents.
// RGB and RGBA are refused naming the file and the mode.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { readLabelPng } from "../src/io/label-png.js";

interface Fixture {
  file: string;
  bitDepth: number;
  colourType: number;
  stored: number[];
  pilMode: string;
  pilShape: number[];
  pil: number[];
}

const dir = fileURLToPath(new URL("../../test/fixtures/label-png-modes/", import.meta.url));
const fixtures = JSON.parse(readFileSync(`${dir}expected.json`, "utf8")) as Fixture[];
const GREY = 0;
const PALETTE = 3;
const GREY_ALPHA = 4;

/** PIL's array, one value per pixel: channel 0 where PIL gives several. */
function pilFirstChannel(f: Fixture): number[] {
  const channels = f.pilShape[2] ?? 1;
  return f.stored.map((_, p) => f.pil[p * channels]);
}

test("the fixtures cover grey 1/2/4/8/16-bit, palette 1/2/4/8-bit (and with transparency), grey+alpha 8/16-bit, RGB and RGBA", () => {
  const modes = fixtures.map((f) => `${f.colourType}/${f.bitDepth}`);
  for (const mode of ["0/1", "0/2", "0/4", "0/8", "0/16", "3/1", "3/2", "3/4", "3/8", "4/8", "4/16", "2/8", "6/8"]) assert.ok(modes.includes(mode), mode);
  assert.ok(fixtures.some((f) => f.file === "palette8-transparent.png"));
  for (const f of fixtures) {
    const header = readFileSync(dir + f.file).subarray(24, 26);
    assert.deepEqual([header[0], header[1]], [f.bitDepth, f.colourType], f.file);
    assert.ok(new Set(f.stored).size > 1 && Math.max(...f.stored) === (f.colourType === PALETTE && f.file.includes("transparent") ? 20 : 2 ** f.bitDepth - 1), f.file);
  }
});

test("grey, grey+alpha and palette label PNGs of every bit depth read as their stored values", async () => {
  for (const f of fixtures.filter((f) => [GREY, PALETTE, GREY_ALPHA].includes(f.colourType))) {
    const label = await readLabelPng(dir + f.file);
    assert.equal(label.width * label.height, f.stored.length, f.file);
    assert.deepEqual(Array.from(label.data), f.stored, f.file);
    assert.equal(label.data.constructor, f.bitDepth === 16 ? Uint16Array : Uint8Array, f.file);
  }
});

test("segkit's class ids equal PIL's array except where PIL scales 2/4-bit grey or turns 16-bit grey+alpha into 8-bit RGBA", () => {
  for (const f of fixtures.filter((f) => [GREY, PALETTE, GREY_ALPHA].includes(f.colourType))) {
    const pil = pilFirstChannel(f);
    if (f.colourType === GREY && (f.bitDepth === 2 || f.bitDepth === 4)) {
      assert.equal(f.pilMode, "L", f.file);
      assert.deepEqual(pil, f.stored.map((v) => (v * 255) / (2 ** f.bitDepth - 1)), `${f.file}: PIL scales to 0–255`);
    } else if (f.colourType === GREY_ALPHA && f.bitDepth === 16) {
      assert.equal(f.pilMode, "RGBA", f.file);
      assert.deepEqual(pil, f.stored.map((v) => v >> 8), `${f.file}: PIL keeps the high byte only`);
    } else {
      assert.deepEqual(pil, f.stored, `${f.file} (PIL mode ${f.pilMode})`);
    }
  }
});

test("RGB and RGBA label PNGs are refused, naming the file and the mode", async () => {
  for (const [file, mode] of [["rgb8.png", "RGB 8-bit"], ["rgba8.png", "RGBA 8-bit"]]) {
    await assert.rejects(readLabelPng(dir + file), (e: Error) => {
      assert.ok(e.message.startsWith(`cannot decode label map ${dir}${file}: `), e.message);
      assert.ok(e.message.includes(`(this one is ${mode})`), e.message);
      return true;
    });
  }
});
