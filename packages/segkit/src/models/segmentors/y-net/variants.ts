// Y-Net registered by the name configs use.
import { register } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import { UNET_OPTIONS } from "../unet/variants.js";
import { YNet, type YNetOptions } from "./model.js";

register<Segmentor>("model", "y_net", {
  options: [...UNET_OPTIONS, "classLossWeight"],
  summary: "Y-Net (Mehta 2018): U-Net with a classification branch on the bottleneck; joint segmentation + image-level (classes present) loss",
  build: (o) => new YNet(o as unknown as YNetOptions),
});
