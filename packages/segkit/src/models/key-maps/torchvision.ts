// torchvision's keys are segkit's (its ResNet, MobileNet, VGG backbones and FCN/DeepLabV3/LR-ASPP
// models use the same names): the identity, registered so every source of weights has a name.
import { renaming, type StateMap } from "@segkit/torch";
import { register } from "../../config/registry.js";

register<StateMap>("keymap", "torchvision", {
  options: [],
  summary: "torchvision checkpoints (resnet*, mobilenet_v2/v3, vgg16, fcn/deeplabv3/lraspp models): keys unchanged",
  build: () => renaming((key) => key),
});
