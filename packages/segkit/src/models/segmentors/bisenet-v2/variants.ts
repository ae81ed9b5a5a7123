// BiSeNetV2 registered by the name configs use.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { BiSeNetV2 } from "./model.js";

register<Segmentor>("model", "bisenetv2", {
  options: [...SEGMENTOR_OPTIONS, "detailChannels", "semanticChannels", "headChannels"],
  summary: "BiSeNetV2 (Yu 2021): detail and semantic branches, bilateral guided aggregation",
  build: (o) => new BiSeNetV2(o as never),
});
