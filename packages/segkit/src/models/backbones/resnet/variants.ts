// ResNet variants as data: torchvision's depths, registered by the names configs use. Each takes
// pretrained weights (pretrained, pretrainedMap) and mmsegmentation's frozenStages.
import { register } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { PRETRAINED_OPTIONS, withPretrained } from "../pretrained.js";
import { ResNet, type ResNetOptions } from "./resnet.js";

const OPTIONS = ["outputStride", "deepStem", "width", "frozenStages", ...PRETRAINED_OPTIONS];

function resnet(depth: ResNetOptions["depth"], { pretrained, pretrainedMap, ...o }: Record<string, unknown>, where: string): Backbone {
  return withPretrained(new ResNet({ depth, ...o }), { pretrained, pretrainedMap }, where);
}

register<Backbone>("backbone", "resnet18", {
  options: OPTIONS, summary: "ResNet-18 (torchvision layout; outputStride 8/16/32, deepStem for v1c)", build: (o, where) => resnet(18, o, where),
});
register<Backbone>("backbone", "resnet34", {
  options: OPTIONS, summary: "ResNet-34 (torchvision layout; outputStride 8/16/32, deepStem for v1c)", build: (o, where) => resnet(34, o, where),
});
register<Backbone>("backbone", "resnet50", {
  options: OPTIONS, summary: "ResNet-50 (torchvision layout; outputStride 8/16/32, deepStem for v1c)", build: (o, where) => resnet(50, o, where),
});
register<Backbone>("backbone", "resnet101", {
  options: OPTIONS, summary: "ResNet-101 (torchvision layout; outputStride 8/16/32, deepStem for v1c)", build: (o, where) => resnet(101, o, where),
});
