// NIfTI-1 reading and writing against nibabel (test/fixtures/nifti/nifti_make_fixtures.py): files
// nibabel wrote read here to its values, spacing, scaling and orientation; a file written here is
// byte-identical to segkit-written.nii.gz, which that script reads back with nibabel and checks.
// Corrupt and truncated files give errors naming the file.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { readNifti } from "../src/io/nifti-read.js";
import { writeNifti } from "../src/io/nifti-write.js";
import { qformAffine, volumeFromValues, volumeValues } from "../src/io/nifti-volume.js";

interface Expected {
  shape: number[];
  spacing: number[];
  dtype: string;
  slope: number;
  inter: number;
  qformCode: number;
  sformCode: number;
  qform: number[][];
  sform: number[][];
  values: number[];
}

const dir = fileURLToPath(new URL("../../test/fixtures/nifti/", import.meta.url));
const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Record<string, Expected>;

function assertClose(actual: ArrayLike<number>, wanted: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, wanted.length, `${what}: length`);
  for (let i = 0; i < wanted.length; i++) {
    const scale = Math.max(1, Math.abs(wanted[i]));
    assert.ok(Math.abs(actual[i] - wanted[i]) <= tolerance * scale, `${what}[${i}]: ${actual[i]} vs ${wanted[i]}`);
  }
}

for (const [name, want] of Object.entries(expected)) {
  test(`reads nibabel's ${name}: values, spacing, type, scaling, orientation`, () => {
    const volume = readNifti(join(dir, name));
    assert.deepEqual(volume.shape, want.shape);
    assert.equal(volume.dataType, want.dtype);
    assertClose(volume.spacing, want.spacing, 1e-7, "spacing");
    assert.equal(volume.sclSlope, Math.fround(want.slope));
    assert.equal(volume.sclInter, Math.fround(want.inter));
    assertClose(volumeValues(volume), want.values, 1e-6, "values");
    assert.equal(volume.orientation.qformCode, want.qformCode);
    assert.equal(volume.orientation.sformCode, want.sformCode);
    assertClose(qformAffine(volume.orientation, volume.spacing).flat(), want.qform.flat(), 1e-5, "qform");
    if (want.sformCode > 0) assertClose(volume.orientation.sform.flat(), want.sform.slice(0, 3).flat(), 1e-6, "sform");
  });

  test(`${name} survives a write and read (.nii and .nii.gz)`, () => {
    const volume = readNifti(join(dir, name));
    const out = mkdtempSync(join(tmpdir(), "segkit-nifti-"));
    for (const file of [join(out, "a.nii"), join(out, "a.nii.gz")]) {
      writeNifti(file, volume);
      const back = readNifti(file);
      assert.deepEqual({ ...back, data: [...back.data] }, { ...volume, data: [...volume.data] });
    }
  });
}

test("writes a file nibabel reads back equal (segkit-written.nii.gz)", () => {
  const shape: [number, number, number] = [7, 6, 5];
  const values: number[] = [];
  for (let x = 0; x < 7; x++) for (let y = 0; y < 6; y++) for (let z = 0; z < 5; z++) values.push(x * 100 - y * 10 + z - 50);
  const out = join(mkdtempSync(join(tmpdir(), "segkit-nifti-")), "segkit-written.nii.gz");
  writeNifti(out, volumeFromValues(values, shape, [0.7, 0.8, 1.9], "int16"));
  assert.deepEqual(gunzipSync(readFileSync(out)), gunzipSync(readFileSync(join(dir, "segkit-written.nii.gz"))));
  assert.deepEqual([...volumeValues(readNifti(out))], values);
});

test("corrupt, truncated and unsupported files give an error naming the file", () => {
  const out = mkdtempSync(join(tmpdir(), "segkit-nifti-bad-"));
  const good = readFileSync(join(dir, "uint8.nii"));
  const cases: [string, Uint8Array, RegExp][] = [
    ["truncated.nii", good.subarray(0, good.length - 10), /truncated\.nii: truncated/],
    ["short.nii", good.subarray(0, 100), /short\.nii: 100 bytes, shorter than a NIfTI-1 header/],
    ["cut.nii.gz", gzipSync(good).subarray(0, 60), /cut\.nii\.gz: not a valid gzip stream/],
    ["nomagic.nii", Buffer.concat([good.subarray(0, 344), Buffer.from("abcd"), good.subarray(348)]), /nomagic\.nii: not a NIfTI-1 file/],
    ["complex.nii", Buffer.from(good).fill(0, 70, 72).fill(32, 70, 71), /complex\.nii: NIfTI datatype 32 is not supported/],
  ];
  for (const [name, bytes, message] of cases) {
    writeFileSync(join(out, name), bytes);
    assert.throws(() => readNifti(join(out, name)), message);
  }
  assert.throws(() => readNifti(join(out, "missing.nii")), /missing\.nii: cannot read/);
  assert.throws(() => writeNifti(join(out, "x.png"), readNifti(join(dir, "uint8.nii"))), /x\.png must end in \.nii or \.nii\.gz/);
  assert.throws(() => volumeFromValues([300], [1, 1, 1], [1, 1, 1], "uint8"), /value 300 .* does not fit uint8/);
});
