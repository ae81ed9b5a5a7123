// timm's keys for the backbones segkit shares with it (huggingface/pytorch-image-models, commit
// aa4b5850, timm/models/resnet.py): plain ResNets are named as torchvision's; the deep-stem variants
// (resnet50c, ...) hold the stem as conv1 = Sequential(conv, bn, act, conv, bn, act, conv) followed
// by bn1, which segkit's deepStem ResNet holds as stem.0-2 (conv-BN-ReLU units). The classifier (fc)
// has no place in a backbone and is reported as unexpected.
import type { KeyMap } from "@segkit/torch";
import { register } from "../../config/registry.js";
import { rules } from "./key-map.js";

const deepStem = rules(
  [/^conv1\.0\./, "stem.0.0."], [/^conv1\.1\./, "stem.0.1."], [/^conv1\.3\./, "stem.1.0."],
  [/^conv1\.4\./, "stem.1.1."], [/^conv1\.6\./, "stem.2.0."], [/^bn1\./, "stem.2.1."],
);

const timmResnet: KeyMap = (key, keys) => (keys.has("conv1.0.weight") ? deepStem(key) : key);

register<KeyMap>("keymap", "timm_resnet", {
  options: [],
  summary: "timm ResNets (resnet18/34/50/101 as torchvision's names; deep-stem c variants → deepStem)",
  build: () => timmResnet,
});
