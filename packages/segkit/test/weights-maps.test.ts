// Checkpoints as the model zoos write them (fixtures/weights_make_fixtures.py: mmsegmentation's own
// ResNetV1c, PSP/UPer/FCN heads and timm's ResNet, saved by Debian's torch.save) load through the
// registered key maps and give the reference's outputs; a checkpoint of another variant, missing and
// unexpected keys are reported by name; a backbone's pretrained/pretrainedMap and frozenStages.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build, type Config } from "../src/config/registry.js";
import { loadConfig } from "../src/config/compose.js";
import { keyMapNamed, type Backbone, type Segmentor } from "../src/models/index.js";
import "../src/losses/index.js";
import { disposeState, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURES = fileURLToPath(new URL("../../test/fixtures", import.meta.url));
const file = (name: string): string => join(FIXTURES, "weights", name);
const golden = torch.loadSafetensors(join(FIXTURES, "weights_golden.safetensors"));
const tmp = mkdtempSync(join(tmpdir(), "segkit-weights-"));
after(() => {
  rmSync(tmp, { recursive: true, force: true });
  for (const t of golden.tensors.values()) t.dispose();
});

const V1C_18 = { type: "resnet18", deepStem: true, width: 4 };
const V1C_18_D8 = { ...V1C_18, outputStride: 8 };
const PSPNET: Config = { type: "encoder_decoder", numClasses: 5, backbone: V1C_18_D8, head: { type: "psp", channels: 8 }, auxiliary: [{ type: "fcn", inIndex: 2 }] };
const UPERNET: Config = { type: "encoder_decoder", numClasses: 5, backbone: { ...V1C_18, type: "resnet50" }, head: { type: "uper", channels: 8 }, auxiliary: [{ type: "fcn", inIndex: 2 }] };
const DEEPLABV3: Config = { ...PSPNET, head: { type: "aspp", channels: 8, dilations: [1, 2, 3, 4] } };
const DEEPLABV3PLUS: Config = { ...PSPNET, head: { type: "sep_aspp", inIndex: [0, 3], channels: 8, c1Channels: 4, dilations: [1, 2, 3, 4] } };
const FCN: Config = { ...PSPNET, head: { type: "mmseg_fcn", channels: 8 } };
const NOTHING_WRONG = { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] };

function maxDifference(a: torch.Tensor, b: torch.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return torch.tidy(() => a.sub(b).abs().max().item());
}

/** What `make` returns and the process warnings it emitted (delivered on a later tick). */
async function warningsDuring<T>(make: () => T): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on("warning", onWarning);
  const result = make();
  await new Promise((resolve) => setImmediate(resolve));
  process.off("warning", onWarning);
  return { result, warnings };
}

function outputOf(model: Segmentor): torch.Tensor {
  return torch.noGrad(() => model.eval().forward(golden.tensors.get("input")!));
}

for (const [name, config, checkpoint, what] of [
  ["pspnet", PSPNET, "mmseg_pspnet_r18v1c.pth", "ResNetV1c-18-d8 (dilated BasicBlocks) + PSPHead"],
  ["upernet", UPERNET, "mmseg_upernet_r50v1c.pth", "ResNetV1c-50 + UPerHead, legacy format"],
  ["deeplabv3", DEEPLABV3, "mmseg_deeplabv3_r18v1c.pth", "ResNetV1c-18-d8 + ASPPHead"],
  ["deeplabv3plus", DEEPLABV3PLUS, "mmseg_deeplabv3plus_r18v1c.pth", "ResNetV1c-18-d8 + DepthwiseSeparableASPPHead"],
  ["fcn", FCN, "mmseg_fcn_r18v1c.pth", "ResNetV1c-18-d8 + FCNHead with 2 convs and concat_input"],
] as const) {
  test(`mmseg's ${name} (${what}, FCN aux, {state_dict, meta}) loads through mmseg_resnet and gives mmseg's output`, () => {
    const model = build<Segmentor>("model", config);
    assert.deepEqual(model.load(file(checkpoint), { keyMap: keyMapNamed("mmseg_resnet", "test") }), NOTHING_WRONG);
    const out = outputOf(model);
    const difference = maxDifference(out, golden.tensors.get(`${name}.output`)!);
    assert.ok(difference < 1e-5, `max difference ${difference}`);
    out.dispose();
    model.dispose();
  });
}

test("full size: the keys and shapes of mmseg's r50-d8 PSPNet/DeepLabV3/DeepLabV3+/FCN and UPerNet-R50 (19 classes) are exactly segkit's models' after mmseg_resnet", () => {
  const keyMap = keyMapNamed("mmseg_resnet", "test").renameKey!;
  const d8 = { type: "resnet50", outputStride: 8, deepStem: true };
  const aux = [{ type: "fcn", inIndex: 2 }];
  for (const [name, backbone, head] of [
    ["pspnet", d8, { type: "psp" }], ["upernet", { type: "resnet50", deepStem: true }, { type: "uper" }],
    ["deeplabv3", d8, { type: "aspp" }], ["deeplabv3plus", d8, { type: "sep_aspp", inIndex: [0, 3] }], ["fcn", d8, { type: "mmseg_fcn" }],
  ] as const) {
    const table = JSON.parse(golden.metadata[`${name}.full_keys`]) as [string, number[]][];
    const keys = new Set(table.map(([k]) => k));
    const theirs = new Map(table.map(([k, shape]) => [keyMap(k, keys), shape.join("×")]));
    const model = build<Segmentor>("model", { type: "encoder_decoder", numClasses: 19, backbone, head, auxiliary: aux });
    const ours = new Map([...model.stateDict()].map(([k, t]) => [k, t.shape.join("×")]));
    model.dispose();
    assert.deepEqual([...theirs].sort(), [...ours].sort(), name);
    assert.ok(theirs.size > 300, `${name}: ${theirs.size} keys`);
  }
});

test("timm's deep-stem ResNet as a backbone's pretrained (pretrainedMap timm_resnet): timm's stage outputs; its classifier reported unused", async () => {
  const { result: backbone, warnings } = await warningsDuring(() =>
    build<Backbone>("backbone", { ...V1C_18, pretrained: file("timm_resnet18_deep.pth"), pretrainedMap: "timm_resnet" }, "model.backbone"));
  assert.ok(warnings.some((w) => /model\.backbone: pretrained .*timm_resnet18_deep\.pth: keys the backbone does not use: fc\.weight, fc\.bias/.test(w)), warnings.join("\n"));
  const outs = torch.noGrad(() => backbone.eval().forward(golden.tensors.get("input")!));
  outs.forEach((o, i) => {
    const difference = maxDifference(o, golden.tensors.get(`timm.output.${i}`)!);
    assert.ok(difference < 1e-5, `stage ${i}: max difference ${difference}`);
    o.dispose();
  });
  backbone.dispose();
});

for (const [name, config, unused] of [
  ["mobilenetv2", { type: "mobilenet_v2", outIndices: [3, 6, 13, 18] }, ["classifier.bias", "classifier.weight"]],
  ["mobilenetv3", { type: "mobilenet_v3_large", outIndices: [3, 6, 12, 16] }, ["classifier.bias", "classifier.weight", "conv_head.bias", "conv_head.weight"]],
] as const) {
  test(`timm's ${name} (full size, seeded weights under timm's keys, as a .pth) is a backbone's pretrained through timm_${name} and gives timm's layer outputs`, async () => {
    // The key table lists timm's keys sorted, as seeded_state filled them.
    const state = seededState(JSON.parse(golden.metadata[`${name}.keys`]) as KeyTable, name === "mobilenetv2" ? 7 : 8);
    const path = join(tmp, `${name}.pth`);
    torch.savePth(path, state);
    disposeState(state);
    const unusedWarning = await warningsDuring(() => build<Backbone>("backbone", { ...config, pretrained: path, pretrainedMap: `timm_${name}` }, "model.backbone"));
    const backbone = unusedWarning.result;
    assert.ok(unusedWarning.warnings.some((w) => w.endsWith(`keys the backbone does not use: ${unused.join(", ")}`)), unusedWarning.warnings.join("\n"));
    const outs = torch.noGrad(() => backbone.eval().forward(golden.tensors.get("input")!));
    outs.forEach((o, i) => {
      const difference = maxDifference(o, golden.tensors.get(`${name}.output.${i}`)!);
      assert.ok(difference < 1e-5, `output ${i}: max difference ${difference}`);
      o.dispose();
    });
    backbone.dispose();
  });
}

test("a whole mmseg checkpoint as a backbone's pretrained gives its backbone part", () => {
  const model = build<Segmentor>("model", PSPNET);
  model.load(file("mmseg_pspnet_r18v1c.pth"), { keyMap: keyMapNamed("mmseg_resnet", "test") });
  const backbone = build<Backbone>("backbone", { ...V1C_18_D8, pretrained: file("mmseg_pspnet_r18v1c.pth"), pretrainedMap: "mmseg_resnet" });
  const reference = (model as unknown as { backbone: Backbone }).backbone.stateDict();
  for (const [key, t] of backbone.stateDict()) assert.deepEqual(t.toArray(), reference.get(key)!.toArray(), key);
  backbone.dispose();
  // A bare mmseg backbone checkpoint (as open-mmlab://resnet50_v1c: stem.0, stem.1, ..., layer1...).
  const { tensors } = torch.loadPth(file("mmseg_pspnet_r18v1c.pth"));
  const bare = join(tmp, "resnet18_v1c.pth");
  torch.savePth(bare, new Map([...tensors].filter(([k]) => k.startsWith("backbone.")).map(([k, t]) => [k.slice("backbone.".length), t])));
  assert.ok(tensors.has("backbone.stem.7.running_var"));
  tensors.forEach((t) => t.dispose());
  const fromBare = build<Backbone>("backbone", { ...V1C_18_D8, pretrained: bare, pretrainedMap: "mmseg_resnet" });
  for (const [key, t] of fromBare.stateDict()) assert.deepEqual(t.toArray(), reference.get(key)!.toArray(), key);
  fromBare.dispose();
  model.dispose();
});

test("a checkpoint of another variant names the first mismatching key with both shapes; missing and unexpected keys by name; strict: false loads the rest", () => {
  const keyMap = keyMapNamed("mmseg_resnet", "test");
  const wider = build<Segmentor>("model", { ...PSPNET, backbone: { ...V1C_18_D8, width: 8 } });
  assert.throws(() => wider.load(file("mmseg_pspnet_r18v1c.pth"), { keyMap }),
    /mmseg_pspnet_r18v1c\.pth: EncoderDecoder\.loadStateDict: shape mismatch for backbone\.stem\.0\.0\.weight: checkpoint \[2,3,3,3\], module \[4,3,3,3\] \(and \d+ more/);
  wider.dispose();
  assert.throws(() => build<Backbone>("backbone", { ...V1C_18, width: 8, pretrained: file("timm_resnet18_deep.pth"), pretrainedMap: "timm_resnet" }, "model.backbone"),
    /model\.backbone: pretrained .*timm_resnet18_deep\.pth: shape mismatch for stem\.0\.0\.weight: checkpoint \[2,3,3,3\], backbone \[4,3,3,3\]/);
  assert.throws(() => build<Backbone>("backbone", { ...V1C_18, pretrained: file("timm_resnet18_deep.pth") }, "model.backbone"),
    /model\.backbone: pretrained .*: missing keys: stem\.0\.0\.weight, .* \(does it need a pretrainedMap\?\)/);

  // An UPerNet checkpoint into a PSP head on the same backbone: its FPN parts are unexpected; the
  // PSP model's weights into an UPerNet: those parts are missing.
  const psp = build<Segmentor>("model", { ...UPERNET, head: { type: "psp", channels: 8 }, auxiliary: [{ type: "fcn", inIndex: 2 }] });
  assert.throws(() => psp.load(file("mmseg_upernet_r50v1c.pth"), { keyMap }), /unexpected keys: classifier\.lateral_convs\.0\.0\.weight, /);
  const result = psp.load(file("mmseg_upernet_r50v1c.pth"), { keyMap, strict: false });
  assert.deepEqual([result.missingKeys, result.mismatchedKeys], [[], []]);
  assert.ok(result.unexpectedKeys.includes("classifier.fpn_bottleneck.0.weight") && result.unexpectedKeys.every((k) => /^classifier\.(lateral_convs|fpn_convs|fpn_bottleneck)\./.test(k)), result.unexpectedKeys.join());
  const saved = join(tmp, "psp_r50.safetensors");
  psp.save(saved);
  psp.dispose();
  const uper = build<Segmentor>("model", UPERNET);
  assert.throws(() => uper.load(saved), /psp_r50\.safetensors: EncoderDecoder\.loadStateDict: missing keys: classifier\.lateral_convs\.0\.0\.weight, /);
  const partial = uper.load(saved, { strict: false });
  assert.ok(partial.missingKeys.includes("classifier.fpn_bottleneck.0.weight") && partial.unexpectedKeys.length === 0, partial.missingKeys.join());
  uper.dispose();
  assert.throws(() => keyMapNamed("mmseg", "--map"), /--map: unknown keymap "mmseg"; known: [a-z0-9_, ]*\bmmseg_resnet, /);
});

test("pretrained in a config file is relative to the file's folder", async () => {
  const dir = mkdtempSync(join(tmp, "config-"));
  writeFileSync(join(dir, "timm.pth"), readFileSync(file("timm_resnet18_deep.pth")));
  const path = join(dir, "model.json");
  writeFileSync(path, JSON.stringify({ model: { ...PSPNET, backbone: { ...V1C_18, pretrained: "timm.pth", pretrainedMap: "timm_resnet" } } }));
  const config = await loadConfig(path);
  assert.equal((config.model as { backbone: { pretrained: string } }).backbone.pretrained, join(dir, "timm.pth"));
  assert.throws(() => build<Backbone>("backbone", { ...V1C_18, pretrained: "timm.pth" }, "model.backbone"), /timm\.pth: cannot read weights \(ENOENT\)/);
  assert.throws(() => build<Backbone>("backbone", { ...V1C_18, pretrainedMap: "timm_resnet" }, "model.backbone"), /model\.backbone: pretrainedMap needs pretrained/);
});

test("frozenStages (mmseg's): stem and layer1 do not move in a training step, their BatchNorm statistics stay, train() keeps them in eval", () => {
  const model = build<Segmentor>("model", { ...PSPNET, backbone: { ...V1C_18_D8, frozenStages: 1 } });
  model.train();
  const before = new Map([...model.stateDict()].map(([k, t]) => [k, t.toArray()]));
  const frozen = (k: string): boolean => /^backbone\.(stem|layer1)\./.test(k);
  assert.ok([...before.keys()].filter(frozen).length > 10);
  for (const [k, p] of model.namedParameters()) assert.equal(p.requiresGrad, !frozen(k), k);
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
  torch.manualSeed(0);
  torch.tidy(() => {
    const x = torch.randn([2, 3, 32, 32]);
    const target = torch.randint(0, 5, [2, 32, 32]);
    model.forwardTrain(x, target).loss.backward();
    optimizer.step();
  });
  for (const [k, t] of model.stateDict()) {
    if (k.endsWith("num_batches_tracked")) continue;
    const same = JSON.stringify(t.toArray()) === JSON.stringify(before.get(k));
    if (frozen(k)) assert.ok(same, `${k} moved`);
    else if (/^backbone\.layer2\.0\.(conv1\.weight|bn1\.running_mean)$/.test(k)) assert.ok(!same, `${k} did not move`);
  }
  const modules = [...model.namedModules()];
  assert.ok(modules.filter(([k]) => /^backbone\.(stem|layer1)(\.|$)/.test(k)).every(([, m]) => !m.training));
  assert.ok(modules.filter(([k]) => k.startsWith("backbone.layer2")).every(([, m]) => m.training));
  assert.throws(() => build("backbone", { type: "resnet18", frozenStages: 5 }), /frozenStages must be an integer from -1 to 4, got 5/);
  model.dispose();
});

// mmseg's MobileNetV2 frozenStages 1 = conv1 + layer1 = features.0-1; MobileNetV3 frozenStages 2 = layer0-2 = "0".."2".
const MOBILENETS: [Config, RegExp, RegExp][] = [
  [{ type: "mobilenet_v2", frozenStages: 1, outIndices: [2] }, /^features\.[01]\./, /^features\.2\.conv\.0\.(0\.weight|1\.running_mean)$/],
  [{ type: "mobilenet_v3_small", frozenStages: 2, outIndices: [3] }, /^[0-2]\./, /^3\.block\.0\.(0\.weight|1\.running_mean)$/],
];
for (const [config, frozen, next] of MOBILENETS) {
  test(`frozenStages on ${config.type}: the frozen layers and their BatchNorm statistics stay in a training step, the next layer moves`, () => {
    const backbone = build<Backbone>("backbone", config);
    backbone.train();
    const before = new Map([...backbone.stateDict()].map(([k, t]) => [k, t.toArray()]));
    assert.ok([...before.keys()].filter((k) => frozen.test(k)).length >= 10);
    for (const [k, p] of backbone.namedParameters()) assert.equal(p.requiresGrad, !frozen.test(k), k);
    const optimizer = new torch.optim.SGD(backbone.parameters(), { lr: 0.1 });
    torch.manualSeed(0);
    torch.tidy(() => {
      backbone.forward(torch.randn([2, 3, 32, 32]))[0].square().mean().backward();
      optimizer.step();
    });
    let moved = 0;
    for (const [k, t] of backbone.stateDict()) {
      if (k.endsWith("num_batches_tracked")) continue;
      const same = JSON.stringify(t.toArray()) === JSON.stringify(before.get(k));
      if (frozen.test(k)) assert.ok(same, `${k} moved`);
      else if (next.test(k)) moved += (assert.ok(!same, `${k} did not move`), 1);
    }
    assert.equal(moved, 2);
    backbone.dispose();
  });
}

test("frozenStages out of range on the MobileNets is refused with the key and the valid range", () => {
  assert.throws(() => build("backbone", { type: "mobilenet_v2", frozenStages: 7 }), /MobileNetV2: frozenStages must be an integer from -1 to 6, got 7/);
  assert.throws(() => build("backbone", { type: "mobilenet_v3_large", frozenStages: 17 }), /MobileNetV3: frozenStages must be an integer from -1 to 16, got 17/);
  assert.throws(() => build("backbone", { type: "mobilenet_v3_small", frozenStages: -2 }), /MobileNetV3: frozenStages must be an integer from -1 to 12, got -2/);
});
