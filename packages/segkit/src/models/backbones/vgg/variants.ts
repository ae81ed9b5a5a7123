// VGG-16 with and without BatchNorm (torchvision layouts), registered by the names configs use.
import { register } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { VGG16 } from "./vgg.js";

register<Backbone>("backbone", "vgg16", {
  options: ["widths"], summary: "VGG-16 (torchvision layout)", build: (o) => new VGG16({ ...o, batchNorm: false }),
});
register<Backbone>("backbone", "vgg16_bn", {
  options: ["widths"], summary: "VGG-16 with BatchNorm (torchvision layout)", build: (o) => new VGG16({ ...o, batchNorm: true }),
});
