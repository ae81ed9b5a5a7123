// mmsegmentation's UPerNet checkpoints of the upernet_swin / upernet_convnext configs → segkit's
// upernet_* models: "decode_head.*" (UPerHead) → "classifier.*" with mmcv's ConvModule "conv"/"bn"
// as torchvision's "0"/"1" (the pyramid-head rules of mmseg_resnet), "auxiliary_head.*" (FCNHead,
// one conv, no concatenation: segkit's mmseg_fcn head, same keys) → "aux_classifier.*". Backbone
// keys pass through: "mmseg_upernet" is for backbones already in segkit's names (the ConvNeXt of
// the fixtures); the backbone-specific maps (mmseg_swin, mmseg_convnext) rename them through
// renameUpernetCheckpoint.
import { renaming, type StateMap, type Tensor } from "@segkit/torch";
import { register } from "../../config/registry.js";
import { pyramidHead } from "./mmseg.js";

/** The segkit key of an mmseg UPerNet head key; other keys unchanged. */
export function upernetHeadKey(key: string): string {
  const head = /^(decode_head|auxiliary_head)\.(.*)$/.exec(key);
  if (!head) return key;
  return head[1] === "decode_head" ? `classifier.${pyramidHead(head[2])}` : `aux_classifier.${head[2]}`;
}

/**
 * An mmseg UPerNet checkpoint in segkit's names: head keys by upernetHeadKey, backbone keys (with or
 * without "backbone.") by `backboneKey` and their tensors through `convert`; a backbone key without a
 * name (null) or two keys on one name throw, naming the source, the map and the key.
 */
export function renameUpernetCheckpoint(
  state: Map<string, Tensor>, source: string, map: string, family: string,
  backboneKey: (bare: string) => string | null, convert: (bare: string, t: Tensor) => Tensor = (_, t) => t,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, t] of state) {
    if (/^(decode_head|auxiliary_head)\./.test(key)) {
      out.set(upernetHeadKey(key), t);
      continue;
    }
    const prefix = key.startsWith("backbone.") ? "backbone." : "";
    const bare = key.slice(prefix.length);
    const renamed = backboneKey(bare);
    if (renamed === null) throw new Error(`${source}: ${map}: no segkit ${family} name for mmseg's key "${key}"`);
    const name = `${prefix}${renamed}`;
    if (out.has(name)) throw new Error(`${source}: ${map}: two keys map to "${name}"`);
    out.set(name, convert(bare, t));
  }
  return out;
}

register<StateMap>("keymap", "mmseg_upernet", {
  options: [],
  summary: "mmsegmentation UPerNet checkpoints (UPerHead + one-conv FCN auxiliary) → upernet_* models; backbone keys unchanged",
  build: () => renaming((key) => upernetHeadKey(key)),
});
