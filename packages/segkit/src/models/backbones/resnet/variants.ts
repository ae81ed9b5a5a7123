// ResNet variants as data: torchvision's depths, registered by the names configs use.
import { register } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { ResNet } from "./resnet.js";

const OPTIONS = ["outputStride", "deepStem"];

register<Backbone>("backbone", "resnet18", {
  options: OPTIONS, summary: "ResNet-18 (torchvision layout; outputStride 8/16/32, deepStem for v1c)", build: (o) => new ResNet({ depth: 18, ...o }),
});
register<Backbone>("backbone", "resnet34", {
  options: OPTIONS, summary: "ResNet-34 (torchvision layout; outputStride 8/16/32, deepStem for v1c)", build: (o) => new ResNet({ depth: 34, ...o }),
});
register<Backbone>("backbone", "resnet50", {
  options: OPTIONS, summary: "ResNet-50 (torchvision layout; outputStride 8/16/32, deepStem for v1c)", build: (o) => new ResNet({ depth: 50, ...o }),
});
register<Backbone>("backbone", "resnet101", {
  options: OPTIONS, summary: "ResNet-101 (torchvision layout; outputStride 8/16/32, deepStem for v1c)", build: (o) => new ResNet({ depth: 101, ...o }),
});
