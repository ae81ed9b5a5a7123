// M-Net registered by the name configs use.
import { register } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import { UNET_OPTIONS } from "../unet/variants.js";
import { MNet, type MNetOptions } from "./model.js";

register<Segmentor>("model", "m_net", {
  options: UNET_OPTIONS,
  summary: "M-Net (Fu 2018): multi-scale input pyramid, U-shaped conv-ReLU network, 4 side outputs averaged (authors' Keras layout); pair with the polar_transform data transform",
  build: (o) => new MNet(o as unknown as MNetOptions),
});
