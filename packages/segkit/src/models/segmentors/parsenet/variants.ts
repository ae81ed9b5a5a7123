// ParseNet as registered: global context (pooled, L2-normalised, scaled, unpooled) fused with the
// L2-normalised fc7 features of DeepLab-LargeFOV on VGG-16, the paper's base network.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { ParseNet } from "./model.js";

register<Segmentor>("model", "parsenet_vgg16", {
  options: [...SEGMENTOR_OPTIONS, "widths", "fcChannels", "dropout", "initialScale"],
  summary: "ParseNet (Liu et al. 2015): global average-pooled context, L2-normalised with learned scales, unpooled and concatenated with the normalised fc7 features of DeepLab-LargeFOV (VGG-16)",
  build: (o) => new ParseNet(o as never),
});
