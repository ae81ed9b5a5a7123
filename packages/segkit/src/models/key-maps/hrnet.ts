// Key maps for the HRNet and OCRNet models (segmentors/cascade-encoder-decoder), which hold
// mmsegmentation's key names:
// - "mmseg_cascade": mmseg's checkpoints of fcn_hr*, ocrnet_hr* (keys unchanged) and ocrnet_r*-d8,
//   whose ResNetV1c stem (stem.0/1, 3/4, 6/7) is segkit's deepStem (stem.<unit>.<0 conv | 1 BN>).
// - "timm_hrnet": timm's hrnet.py (huggingface/pytorch-image-models v0.9.16) names the backbone as
//   mmseg and the HRNet authors do (conv1, bn1, conv2, bn2, layer1, transition1..3, stage2..4 with
//   branches and fuse_layers, whose i = j entries are timm's parameterless Identity), so its keys
//   pass unchanged; its classification head (incre_modules, downsamp_modules, final_layer,
//   classifier) has no place in a segmentation backbone and is reported as unused. timm fuses with
//   nearest upsampling: fuseUpsample "nearest" reproduces its outputs.
import { renaming, type KeyMap, type StateMap } from "@segkit/torch";
import { register } from "../../config/registry.js";
import { backboneKey } from "./mmseg.js";

const mmsegCascade: KeyMap = (key) => (key.startsWith("backbone.") ? `backbone.${backboneKey(key.slice("backbone.".length))}` : key);

register<StateMap>("keymap", "mmseg_cascade", {
  options: [],
  summary: "mmsegmentation checkpoints of fcn_hr*, ocrnet_hr* (keys unchanged) and ocrnet_r*-d8 (ResNetV1c stem → deepStem) → the HRNet/OCRNet models",
  build: () => renaming(mmsegCascade),
});
register<StateMap>("keymap", "timm_hrnet", {
  options: [],
  summary: "timm's hrnet_w18_small/_v2, w18, w32, w48 → hrnet_* backbones (same names; the classification head is unused); use fuseUpsample \"nearest\" for timm's outputs",
  build: () => renaming((key) => key),
});
