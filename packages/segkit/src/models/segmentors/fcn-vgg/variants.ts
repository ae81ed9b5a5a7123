// FCN-32s/16s/8s (Long 2015) as data: which pools the VGG-16 decoder fuses.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { FCNVGG } from "./model.js";

const OPTIONS = [...SEGMENTOR_OPTIONS, "batchNorm", "widths", "fcChannels"];

register<Segmentor>("model", "fcn32s_vgg16", {
  options: OPTIONS, summary: "FCN-32s (Long 2015) on VGG-16", build: (o) => new FCNVGG({ ...o, variant: 32 } as never),
});
register<Segmentor>("model", "fcn16s_vgg16", {
  options: OPTIONS, summary: "FCN-16s (Long 2015) on VGG-16, fusing pool4", build: (o) => new FCNVGG({ ...o, variant: 16 } as never),
});
register<Segmentor>("model", "fcn8s_vgg16", {
  options: OPTIONS, summary: "FCN-8s (Long 2015) on VGG-16, fusing pool4 and pool3", build: (o) => new FCNVGG({ ...o, variant: 8 } as never),
});
