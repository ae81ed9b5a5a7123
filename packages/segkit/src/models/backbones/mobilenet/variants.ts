// MobileNet variants as data (torchvision layouts), registered by the names configs use; each takes
// pretrained weights (pretrained, pretrainedMap) and mmsegmentation's frozenStages.
import { register } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { PRETRAINED_OPTIONS, withPretrained } from "../pretrained.js";
import { MobileNetV2 } from "./mobilenet-v2.js";
import { MobileNetV3 } from "./mobilenet-v3.js";

register<Backbone>("backbone", "mobilenet_v2", {
  options: ["outIndices", "frozenStages", ...PRETRAINED_OPTIONS], summary: "MobileNetV2 (torchvision layout)",
  build: ({ pretrained, pretrainedMap, ...o }, where) => withPretrained(new MobileNetV2(o as never), { pretrained, pretrainedMap }, where),
});
register<Backbone>("backbone", "mobilenet_v3_large", {
  options: ["dilated", "outIndices", "frozenStages", ...PRETRAINED_OPTIONS], summary: "MobileNetV3-Large (torchvision layout; dilated keeps stride 16)",
  build: ({ pretrained, pretrainedMap, ...o }, where) => withPretrained(new MobileNetV3({ arch: "large", ...o }), { pretrained, pretrainedMap }, where),
});
register<Backbone>("backbone", "mobilenet_v3_small", {
  options: ["dilated", "outIndices", "frozenStages", ...PRETRAINED_OPTIONS], summary: "MobileNetV3-Small (torchvision layout; dilated keeps stride 16)",
  build: ({ pretrained, pretrainedMap, ...o }, where) => withPretrained(new MobileNetV3({ arch: "small", ...o }), { pretrained, pretrainedMap }, where),
});
