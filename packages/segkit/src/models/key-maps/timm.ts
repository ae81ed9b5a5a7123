// timm's keys for the backbones segkit shares with it (huggingface/pytorch-image-models, commit
// aa4b5850). timm/models/resnet.py: plain ResNets are named as torchvision's; the deep-stem variants
// (resnet50c, ...) hold the stem as conv1 = Sequential(conv, bn, act, conv, bn, act, conv) followed
// by bn1, which segkit's deepStem ResNet holds as stem.0-2 (conv-BN-ReLU units).
// timm/models/_efficientnet_blocks.py (mobilenetv2_100, mobilenetv3_large/small_100): conv_stem/bn1,
// then blocks.<stage>.<block> (DepthwiseSeparableConv: conv_dw, bn1, se?, conv_pw, bn2;
// InvertedResidual: conv_pw, bn1, conv_dw, bn2, se?, conv_pwl, bn3; ConvBnAct: conv, bn1), and for
// MobileNetV2 conv_head/bn2; torchvision's layout numbers the same layers in one sequence.
// Classifiers (fc, classifier, MobileNetV3's conv_head after pooling) are reported as unexpected.
import { renaming, type KeyMap, type StateMap } from "@segkit/torch";
import { register } from "../../config/registry.js";
import { rules } from "./key-map.js";

const deepStem = rules(
  [/^conv1\.0\./, "stem.0.0."], [/^conv1\.1\./, "stem.0.1."], [/^conv1\.3\./, "stem.1.0."],
  [/^conv1\.4\./, "stem.1.1."], [/^conv1\.6\./, "stem.2.0."], [/^bn1\./, "stem.2.1."],
);

const timmResnet: KeyMap = (key, keys) => (keys.has("conv1.0.weight") ? deepStem(key) : key);

/** Position in the one sequence (after the stem) of each timm block, from the checkpoint's keys. */
function blockOrder(keys: ReadonlySet<string>): Map<string, number> {
  const pairs = new Map<string, [number, number]>();
  for (const k of keys) {
    const m = /^blocks\.(\d+)\.(\d+)\./.exec(k);
    if (m) pairs.set(`${m[1]}.${m[2]}`, [Number(m[1]), Number(m[2])]);
  }
  const sorted = [...pairs].sort(([, a], [, b]) => a[0] - b[0] || a[1] - b[1]);
  return new Map(sorted.map(([id], i) => [id, i + 1]));
}

/**
 * Where a layer of a timm block goes inside torchvision's block: an inverted residual ("ir"), a
 * depthwise-separable block ("ds") or a conv-BN-act ("cn"), counting the SE module when there is one.
 */
type Layout = (layer: string, kind: "ir" | "ds" | "cn", hasSe: boolean) => string | null;

// timm's SqueezeExcite convs are torchvision's fc1 and fc2.
const SE_NAMES: Record<string, string> = { conv_reduce: "fc1", conv_expand: "fc2" };

/** `head` places conv_head/bn2 (MobileNetV2's last conv-BN-ReLU6) in the layer after the blocks. */
function timmEfficientBlocks(stem: string, layout: Layout, head: Record<string, string>): KeyMap {
  let cached: { keys: ReadonlySet<string>; order: Map<string, number> } | null = null;
  return (key, keys) => {
    if (cached?.keys !== keys) cached = { keys, order: blockOrder(keys) };
    if (key.startsWith("conv_stem.")) return `${stem}0.0.${key.slice("conv_stem.".length)}`;
    if (key.startsWith("bn1.")) return `${stem}0.1.${key.slice("bn1.".length)}`;
    const top = /^(conv_head|bn2)\.(.*)$/.exec(key);
    if (top) return head[top[1]] ? `${stem}${cached.order.size + 1}.${head[top[1]]}.${top[2]}` : key;
    const m = /^blocks\.(\d+)\.(\d+)\.([a-z_0-9]+)\.(.*)$/.exec(key);
    if (!m) return key;
    const block = `blocks.${m[1]}.${m[2]}.`;
    const kind = keys.has(`${block}conv_pwl.weight`) ? "ir" : keys.has(`${block}conv_dw.weight`) ? "ds" : "cn";
    const place = layout(m[3], kind, keys.has(`${block}se.conv_reduce.weight`));
    const index = cached.order.get(`${m[1]}.${m[2]}`)!;
    const rest = m[3] === "se" ? m[4].replace(/^(conv_reduce|conv_expand)\./, (_, name: string) => `${SE_NAMES[name]}.`) : m[4];
    return place === null ? key : `${stem}${index}.${place}.${rest}`;
  };
}

// torchvision's InvertedResidual (V3): block = [expand], depthwise, [SE (fc1, fc2)], project; ConvBnAct: 0 conv, 1 BN.
const V3_LAYOUT: Layout = (layer, kind, hasSe) => {
  const project = (kind === "ir" ? 2 : 1) + (hasSe ? 1 : 0);
  const places: Record<string, string> = kind === "cn" ? { conv: "0", bn1: "1" } : kind === "ds"
    ? { conv_dw: "block.0.0", bn1: "block.0.1", conv_pw: `block.${project}.0`, bn2: `block.${project}.1` }
    : { conv_pw: "block.0.0", bn1: "block.0.1", conv_dw: "block.1.0", bn2: "block.1.1", conv_pwl: `block.${project}.0`, bn3: `block.${project}.1` };
  if (layer === "se") return `block.${kind === "ir" ? 2 : 1}`;
  return places[layer] ?? null;
};

// torchvision's InvertedResidual (V2): conv = [expand conv-BN-ReLU6], depthwise conv-BN-ReLU6, project conv, BN.
const V2_LAYOUT: Layout = (layer, kind) => {
  const places: Record<string, string> = kind === "ds"
    ? { conv_dw: "conv.0.0", bn1: "conv.0.1", conv_pw: "conv.1", bn2: "conv.2" }
    : { conv_pw: "conv.0.0", bn1: "conv.0.1", conv_dw: "conv.1.0", bn2: "conv.1.1", conv_pwl: "conv.2", bn3: "conv.3" };
  return places[layer] ?? null;
};

register<StateMap>("keymap", "timm_mobilenetv2", {
  options: [],
  summary: "timm's mobilenetv2_100 → mobilenet_v2 (torchvision layout); same BatchNorm eps, same outputs",
  build: () => renaming(timmEfficientBlocks("features.", V2_LAYOUT, { conv_head: "0", bn2: "1" })),
});
register<StateMap>("keymap", "timm_mobilenetv3", {
  options: [],
  summary: "timm's mobilenetv3_large_100/small_100 → mobilenet_v3_large/small; timm's BatchNorm eps is 1e-5, torchvision's (segkit's) 1e-3, so outputs differ slightly",
  build: () => renaming(timmEfficientBlocks("", V3_LAYOUT, {})),
});

register<StateMap>("keymap", "timm_resnet", {
  options: [],
  summary: "timm ResNets (resnet18/34/50/101 as torchvision's names; deep-stem c variants → deepStem)",
  build: () => renaming(timmResnet),
});
