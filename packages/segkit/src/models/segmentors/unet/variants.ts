// U-Net variants as data: the classic U-Net, with attention gates, and the smp-style ResNet U-Net.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { UNet } from "./model.js";
import { ResNetUNet } from "./resnet-unet.js";

export const UNET_OPTIONS = [...SEGMENTOR_OPTIONS, "widths", "inChannels"];

register<Segmentor>("model", "unet", {
  options: UNET_OPTIONS,
  summary: "U-Net (Ronneberger 2015, same padding, BN) as the peer defines it",
  build: (o) => new UNet(o as never),
});
register<Segmentor>("model", "attention_unet", {
  options: UNET_OPTIONS,
  summary: "Attention U-Net (Oktay 2018): U-Net with additive attention gates on the skips",
  build: (o) => new UNet({ ...o, attention: true } as never),
});
register<Segmentor>("model", "resnet_unet", {
  options: [...SEGMENTOR_OPTIONS, "depth", "decoderChannels"],
  summary: "U-Net decoder on a ResNet encoder (smp Unet)",
  build: (o) => new ResNetUNet(o as never),
});
