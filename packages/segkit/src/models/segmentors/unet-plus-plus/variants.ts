// UNet++ registered by the name configs use.
import { register } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import { UNET_OPTIONS } from "../unet/variants.js";
import { UNetPlusPlus } from "./model.js";

register<Segmentor>("model", "unet_plus_plus", {
  options: [...UNET_OPTIONS, "deepSupervision", "pruneLevel"],
  summary: "UNet++ (Zhou 2018): nested skips, deep supervision, pruned inference",
  build: (o) => new UNetPlusPlus(o as never),
});
