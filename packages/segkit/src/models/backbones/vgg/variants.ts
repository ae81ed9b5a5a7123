// VGG-16 with and without BatchNorm (torchvision layouts), registered by the names configs use; each
// takes pretrained weights (pretrained, pretrainedMap).
import { register } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { PRETRAINED_OPTIONS, withPretrained } from "../pretrained.js";
import { VGG16 } from "./vgg.js";

const OPTIONS = ["widths", ...PRETRAINED_OPTIONS];

register<Backbone>("backbone", "vgg16", {
  options: OPTIONS, summary: "VGG-16 (torchvision layout)",
  build: ({ pretrained, pretrainedMap, ...o }, where) => withPretrained(new VGG16({ ...o, batchNorm: false }), { pretrained, pretrainedMap }, where),
});
register<Backbone>("backbone", "vgg16_bn", {
  options: OPTIONS, summary: "VGG-16 with BatchNorm (torchvision layout)",
  build: ({ pretrained, pretrainedMap, ...o }, where) => withPretrained(new VGG16({ ...o, batchNorm: true }), { pretrained, pretrainedMap }, where),
});
