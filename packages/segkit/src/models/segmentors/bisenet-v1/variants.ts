// BiSeNetV1 registered by the name configs use.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { BiSeNetV1 } from "./model.js";

register<Segmentor>("model", "bisenetv1", {
  options: [...SEGMENTOR_OPTIONS, "depth", "contextChannels", "headChannels"],
  summary: "BiSeNetV1 (Yu 2018): spatial path + ResNet context path with attention refinement",
  build: (o) => new BiSeNetV1(o as never),
});
