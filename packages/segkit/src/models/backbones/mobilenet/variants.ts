// MobileNet variants as data (torchvision layouts), registered by the names configs use.
import { register } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { MobileNetV2 } from "./mobilenet-v2.js";
import { MobileNetV3 } from "./mobilenet-v3.js";

register<Backbone>("backbone", "mobilenet_v2", {
  options: ["outIndices"], summary: "MobileNetV2 (torchvision layout)", build: (o) => new MobileNetV2(o as never),
});
register<Backbone>("backbone", "mobilenet_v3_large", {
  options: ["dilated", "outIndices"], summary: "MobileNetV3-Large (torchvision layout; dilated keeps stride 16)",
  build: (o) => new MobileNetV3({ arch: "large", ...o }),
});
register<Backbone>("backbone", "mobilenet_v3_small", {
  options: ["dilated", "outIndices"], summary: "MobileNetV3-Small (torchvision layout; dilated keeps stride 16)",
  build: (o) => new MobileNetV3({ arch: "small", ...o }),
});
