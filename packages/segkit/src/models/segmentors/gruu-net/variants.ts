// GRUU-Net registered by the name configs use.
import { register } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import { UNET_OPTIONS } from "../unet/variants.js";
import { GRUUNet, type GRUUNetOptions } from "./model.js";

register<Segmentor>("model", "gruu_net", {
  options: UNET_OPTIONS,
  summary: "GRUU-Net (Wollmann 2019): conv encoder features at 4 scales refined coarse to fine by convolutional GRUs",
  build: (o) => new GRUUNet(o as unknown as GRUUNetOptions),
});
