// DeconvNet registered by the name configs use: the paper's VGG-16 configuration (Table 1).
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { DECONVNET_OPTIONS, DeconvNet, type DeconvNetOptions } from "./model.js";

register<Segmentor>("model", "deconvnet_vgg16", {
  options: [...SEGMENTOR_OPTIONS, ...DECONVNET_OPTIONS],
  summary: "DeconvNet (Noh 2015): VGG-16-BN with fc6/fc7 convs, mirrored deconvolution network unpooling to the pool switches; 224² input (sides ≥ 32 × fcKernel)",
  build: (o) => new DeconvNet(o as unknown as DeconvNetOptions),
});
