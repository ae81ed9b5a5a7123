// `segkit convert IN OUT [--map NAME]`: .pth ↔ safetensors (by OUT's extension), the state dict
// taken out of mmseg's {state_dict, meta}, keys renamed by a key map; written atomically; a state
// dict holding something other than tensors, an unknown map or extension refused by name.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { convertWeights } from "../src/engine/convert-weights.js";
import { loadModel } from "../src/engine/load.js";
import { runConfig } from "../src/engine/run-config.js";
import { build } from "../src/config/registry.js";
import { keyMapNamed, type Segmentor } from "../src/models/index.js";

torch.setNumThreads(1);
const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const WEIGHTS = fileURLToPath(new URL("../../test/fixtures/weights", import.meta.url));
const MMSEG = join(WEIGHTS, "mmseg_upernet_r50v1c.pth");
const tmp = mkdtempSync(join(tmpdir(), "segkit-convert-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function sameTensors(a: Map<string, torch.Tensor>, b: Map<string, torch.Tensor>): void {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [k, t] of a) {
    assert.equal(t.dtype, b.get(k)!.dtype, k);
    assert.deepEqual(t.toArray(), b.get(k)!.toArray(), k);
  }
}

const dispose = (m: Map<string, torch.Tensor>): void => m.forEach((t) => t.dispose());

test("segkit convert: an mmseg .pth (legacy format, nested) to safetensors with --map, renamed as the map says", () => {
  const out = join(tmp, "upernet.safetensors");
  const run = spawnSync(process.execPath, [CLI, "convert", MMSEG, out, "--map", "mmseg_resnet"], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const source = torch.loadPth(MMSEG).tensors;
  const keyMap = keyMapNamed("mmseg_resnet", "test");
  const renamed = keyMap(source, MMSEG);
  const changed = [...source.keys()].filter((k) => keyMap.renameKey!(k, new Set(source.keys())) !== k).length;
  assert.ok(changed > 50);
  assert.match(run.stdout, new RegExp(`upernet\\.safetensors: ${source.size} tensors \\(${changed} keys renamed by mmseg_resnet\\)`));
  const written = torch.loadSafetensors(out).tensors;
  sameTensors(written, renamed);
  assert.ok(written.has("backbone.stem.2.1.running_var") && written.has("aux_classifier.4.weight"));
  dispose(written);
  dispose(source);
});

test("safetensors → .pth → safetensors round-trips every tensor", () => {
  const safetensors = join(tmp, "plain.safetensors");
  convertWeights(MMSEG, safetensors);
  const pth = join(tmp, "plain.pth");
  assert.deepEqual(convertWeights(safetensors, pth), { tensors: torch.loadPth(MMSEG).tensors.size, renamed: 0 });
  const again = join(tmp, "again.safetensors");
  convertWeights(pth, again);
  const [a, b, c] = [torch.loadPth(MMSEG).tensors, torch.loadPth(pth).tensors, torch.loadSafetensors(again).tensors];
  sameTensors(b, a);
  sameTensors(c, a);
  [a, b, c].forEach(dispose);
});

test("refusals name the file, entry, map or extension; a failed conversion leaves OUT as it was", () => {
  const out = join(tmp, "kept.safetensors");
  writeFileSync(out, "the previous file");
  assert.throws(() => convertWeights(join(WEIGHTS, "not_only_tensors.pth"), out), /not_only_tensors\.pth \[state_dict\]: state dict entry "step" is not a tensor/);
  assert.throws(() => convertWeights(MMSEG, out, "mmseg"), /--map: unknown keymap "mmseg"; known: [a-z0-9_, ]*\bmmseg_resnet\b/);
  assert.throws(() => convertWeights(MMSEG, join(tmp, "out.bin")), /out\.bin: the name must end in \.safetensors, \.pth or \.pt/);
  assert.throws(() => convertWeights(join(tmp, "absent.pth"), out), /absent\.pth: cannot read weights \(ENOENT\)/);
  assert.equal(readFileSync(out, "utf8"), "the previous file");
  assert.deepEqual(readdirSync(tmp).filter((f) => f.endsWith(".tmp")), []);
  assert.ok(!existsSync(join(tmp, "out.bin")));
});

test("segkit's --checkpoint takes a .pth state dict as well (loadModel)", () => {
  const model = { type: "unet", numClasses: 3, widths: [4, 8] };
  const dataset = { dataset: { type: "synthetic", length: 1, size: [16, 16], seed: 1 }, pipeline: [], batchSize: 1 };
  const config = runConfig({ model, data: { train: dataset, val: dataset } });
  const trained = build<Segmentor>("model", model);
  const pth = join(tmp, "unet.pth");
  torch.savePth(pth, trained.stateDict());
  const { model: loaded } = loadModel(config, pth);
  sameTensors(loaded.stateDict(), trained.stateDict());
  loaded.dispose();
  assert.throws(() => loadModel(runConfig({ model: { ...model, widths: [8, 8] }, data: { train: dataset, val: dataset } }), pth),
    /checkpoint .*unet\.pth: .*shape mismatch for /);
  trained.dispose();
});
