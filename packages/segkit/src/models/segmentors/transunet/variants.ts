// TransUNet as data: the authors' R50-ViT-B_16 configuration (vit_seg_configs.py get_r50_b16_config,
// train.py's 224² input) under "transunet_r50_vit_b16"; every part's size can be overridden.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { TRANSUNET_OPTIONS, TransUNet, type TransUNetOptions } from "./model.js";

register<Segmentor>("model", "transunet_r50_vit_b16", {
  options: [...SEGMENTOR_OPTIONS, ...TRANSUNET_OPTIONS],
  summary: "TransUNet (Chen 2021): R50+ViT-B/16 hybrid encoder, cascaded upsampler with 3 ResNet skips (authors' keys); 224² input, sides multiples of 16",
  build: (o) => new TransUNet(o as unknown as TransUNetOptions),
});
