// UNet 3+ as data: the authors' three models (UNet_3Plus, UNet_3Plus_DeepSup, UNet_3Plus_DeepSup_CGM),
// all with their widths (filters 64..1024, 64 per concatenated map); widths can be overridden.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { UNET3PLUS_OPTIONS, UNet3Plus, type UNet3PlusOptions } from "./model.js";

const OPTIONS = [...SEGMENTOR_OPTIONS, ...UNET3PLUS_OPTIONS.filter((o) => o !== "deepSupervision" && o !== "classGuided")];

register<Segmentor>("model", "unet3plus", {
  options: OPTIONS,
  summary: "UNet 3+ (Huang 2020): U-Net encoder, full-scale skip connections into every decoder stage (authors' keys); sides multiples of 16",
  build: (o) => new UNet3Plus(o as unknown as UNet3PlusOptions),
});

register<Segmentor>("model", "unet3plus_deepsup", {
  options: OPTIONS,
  summary: "UNet 3+ with deep supervision: classifiers on every decoder stage and the bottleneck, losses summed",
  build: (o) => new UNet3Plus({ ...o, deepSupervision: true } as unknown as UNet3PlusOptions),
});

register<Segmentor>("model", "unet3plus_deepsup_cgm", {
  options: OPTIONS,
  summary: "UNet 3+ with deep supervision and the classification-guided module: an image judged empty gets background everywhere",
  build: (o) => new UNet3Plus({ ...o, deepSupervision: true, classGuided: true } as unknown as UNet3PlusOptions),
});
