// SegNet registered by the name configs use.
import { register } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import { UNET_OPTIONS } from "../unet/variants.js";
import { SegNet } from "./model.js";

register<Segmentor>("model", "segnet", {
  options: UNET_OPTIONS,
  summary: "SegNet (Badrinarayanan 2017): VGG-16-BN encoder, decoder unpooling with the pool indices",
  build: (o) => new SegNet(o as never),
});
