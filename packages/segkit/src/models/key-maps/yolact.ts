// The authors' YOLACT checkpoints (github:dbolya/yolact): every key is segkit's Yolact's but the
// ResNet body's stages, which they hold as backbone.layers.0–3 where torchvision (and segkit) say
// layer1–layer4.
import { renaming, type StateMap } from "@segkit/torch";
import { register } from "../../config/registry.js";
import { rules } from "./key-map.js";

register<StateMap>("keymap", "yolact", {
  options: [],
  summary: "dbolya/yolact checkpoints (yolact_base, yolact_resnet50): backbone.layers.N → backbone.layer(N+1)",
  build: () => renaming(rules(
    [/^backbone\.layers\.0\./, "backbone.layer1."], [/^backbone\.layers\.1\./, "backbone.layer2."],
    [/^backbone\.layers\.2\./, "backbone.layer3."], [/^backbone\.layers\.3\./, "backbone.layer4."],
  )),
});
