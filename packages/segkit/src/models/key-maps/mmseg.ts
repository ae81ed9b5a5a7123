// mmsegmentation's checkpoints ({"state_dict": ..., "meta": ...}, keys "backbone.*", "decode_head.*",
// "auxiliary_head.*") for segkit's encoder_decoder with a resnet backbone (deepStem for ResNetV1c) and
// a psp, uper, aspp, sep_aspp, fcn, da, nl, apc, dm, enc or psa head. Names as in mmsegmentation's mmseg/models/backbones/resnet.py (commit
// 03b0197c: ResNetV1c's stem is one Sequential conv,bn,relu ×3, so its params are stem.0/1, 3/4, 6/7)
// and decode_heads (mmcv's ConvModule holds "conv" and "bn"; a PSP branch is (pool, ConvModule)).
// segkit's aspp, sep_aspp, mmseg_fcn and context heads (da, nl, apc, dm, enc, psa) are mmseg's, keys included; its psp and uper heads keep
// torchvision's "0"/"1" inside conv-BN-ReLU units. An mmseg FCNHead with one conv and no concatenation
// (the auxiliary head of its configs) goes to the "fcn" head, torchvision's (children 0 conv, 1 BN,
// 4 classifier); one with more convs or conv_cat (fcn_*-d8's decode head) to "mmseg_fcn".
import { renaming, type KeyMap, type StateMap } from "@segkit/torch";
import { register } from "../../config/registry.js";
import { rules } from "./key-map.js";

// mmseg's deep stem index → segkit's stem.<conv-BN unit>.<0 conv | 1 BN>; 2, 5, 8 are ReLUs.
const STEM: Record<string, string> = { 0: "0.0", 1: "0.1", 3: "1.0", 4: "1.1", 6: "2.0", 7: "2.1" };

/** An mmseg ResNet backbone key as segkit's (ResNetV1c's stem renamed; the rest agree). */
export function backboneKey(key: string): string {
  const stem = /^stem\.(\d)\.(.*)$/.exec(key);
  return stem && STEM[stem[1]] ? `stem.${STEM[stem[1]]}.${stem[2]}` : key;
}

const fcnHead = rules([/^convs\.0\.conv\./, "0."], [/^convs\.0\.bn\./, "1."], [/^conv_seg\./, "4."]);
// PSP and UPer heads: a pyramid branch is (pool, ConvModule) in mmseg, (pool, conv, BN, ReLU) here.
export const pyramidHead = rules(
  [/^psp_modules\.(\d+)\.1\.conv\./, "psp_modules.$1.1."], [/^psp_modules\.(\d+)\.1\.bn\./, "psp_modules.$1.2."],
  [/\.conv\.(weight|bias)$/, ".0.$1"], [/\.bn\.([a-z_]+)$/, ".1.$1"],
);

/**
 * The head's inner key, by the head's layout (seen in its other keys): PSP and UPer heads have
 * "psp_modules.", the one-conv FCN head "convs.0." alone; every other head keeps mmseg's keys.
 */
function headKey(inner: string, prefix: string, keys: ReadonlySet<string>): string {
  if (keys.has(`${prefix}psp_modules.0.1.conv.weight`)) return pyramidHead(inner);
  const isOneConvFcn = keys.has(`${prefix}convs.0.conv.weight`) && !keys.has(`${prefix}convs.1.conv.weight`) && !keys.has(`${prefix}conv_cat.conv.weight`);
  return isOneConvFcn ? fcnHead(inner) : inner;
}

const mmsegResnet: KeyMap = (key, keys) => {
  if (key.startsWith("backbone.")) return `backbone.${backboneKey(key.slice("backbone.".length))}`;
  const head = /^(decode_head|auxiliary_head)\.((\d+)\.)?(.*)$/.exec(key);
  if (!head) return backboneKey(key); // a backbone-only checkpoint (open-mmlab://resnet50_v1c)
  const [, part, numbered, index, inner] = head;
  const target = part === "decode_head" ? "classifier" : index === undefined ? "aux_classifier" : `aux_classifier${index}`;
  return `${target}.${headKey(inner, `${part}.${numbered ?? ""}`, keys)}`;
};

register<StateMap>("keymap", "mmseg_resnet", {
  options: [],
  summary: "mmsegmentation checkpoints of ResNet/ResNetV1c (deepStem) with PSP, UPer, ASPP, DepthwiseSeparableASPP, FCN, DA, NL, APC, DM, Enc, PSA heads (psp, uper, aspp, sep_aspp, mmseg_fcn, da, nl, apc, dm, enc, psa; an FCN with one conv and no concatenation → fcn) → encoder_decoder; also a bare mmseg ResNet backbone",
  build: () => renaming(mmsegResnet),
});

// PointRend (mmseg's pointrend_*: backbone, FPN "neck", decode_head.0 its FPNHead, decode_head.1 its
// PointHead) → pointrend_r50: segkit's FPN neck and head hold conv-BN units as "0"/"1"; the point head's
// keys are mmseg's.
const convUnits = rules([/\.conv\.(weight|bias)$/, ".0.$1"], [/\.bn\.([a-z_]+)$/, ".1.$1"]);

register<StateMap>("keymap", "mmseg_pointrend", {
  options: [],
  summary: "mmsegmentation's PointRend checkpoints (ResNetV1c, FPN neck, FPNHead + PointHead) → pointrend_r50",
  build: () => renaming((key) => {
    if (key.startsWith("backbone.")) return `backbone.${backboneKey(key.slice("backbone.".length))}`;
    return key.startsWith("neck.") || key.startsWith("decode_head.0.") ? convUnits(key) : key;
  }),
});

// K-Net (mmseg's knet-s3_*_upernet: ResNetV1c, IterativeDecodeHead over a UPerHead, FCN auxiliary) →
// knet_s3_upernet_*: the generating UPerHead's conv-BN units renamed as any UPerHead's; the update
// stages keep mmseg's keys.
register<StateMap>("keymap", "mmseg_knet", {
  options: [],
  summary: "mmsegmentation's K-Net checkpoints (ResNetV1c, IterativeDecodeHead over UPerHead, FCN auxiliary) → knet_s3_upernet_*",
  build: () => renaming((key, keys) => {
    const generate = /^decode_head\.kernel_generate_head\.(.*)$/.exec(key);
    if (generate) return `classifier.kernel_generate_head.${pyramidHead(generate[1])}`;
    if (key.startsWith("decode_head.kernel_update_head.")) return `classifier.${key.slice("decode_head.".length)}`;
    return mmsegResnet(key, keys);
  }),
});
