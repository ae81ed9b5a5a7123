// mmsegmentation's UPerNet checkpoints of the upernet_swin / upernet_convnext configs → segkit's
// upernet_* models: "decode_head.*" (UPerHead) → "classifier.*" with mmcv's ConvModule "conv"/"bn"
// as torchvision's "0"/"1" (the pyramid-head rules of mmseg_resnet), "auxiliary_head.*" (FCNHead,
// one conv, no concatenation: segkit's mmseg_fcn head, same keys) → "aux_classifier.*". Backbone
// keys pass through: "mmseg_upernet" is for backbones already in segkit's names (the ConvNeXt of
// the fixtures); the backbone-specific maps (mmseg_swin) rename them first.
import { renaming, type StateMap } from "@segkit/torch";
import { register } from "../../config/registry.js";
import { pyramidHead } from "./mmseg.js";

/** The segkit key of an mmseg UPerNet head key; other keys unchanged. */
export function upernetHeadKey(key: string): string {
  const head = /^(decode_head|auxiliary_head)\.(.*)$/.exec(key);
  if (!head) return key;
  return head[1] === "decode_head" ? `classifier.${pyramidHead(head[2])}` : `aux_classifier.${head[2]}`;
}

register<StateMap>("keymap", "mmseg_upernet", {
  options: [],
  summary: "mmsegmentation UPerNet checkpoints (UPerHead + one-conv FCN auxiliary) → upernet_* models; backbone keys unchanged",
  build: () => renaming((key) => upernetHeadKey(key)),
});
