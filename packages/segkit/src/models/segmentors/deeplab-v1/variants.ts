// DeepLab v1 as registered: DeepLab-LargeFOV on VGG-16 (20.5M parameters at 21 classes, the paper's
// Table 2); widths and fcChannels shrink it for tests.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { DeepLabV1 } from "./model.js";

register<Segmentor>("model", "deeplabv1_vgg16_largefov", {
  options: [...SEGMENTOR_OPTIONS, "widths", "fcChannels", "dropout"],
  summary: "DeepLab v1 (Chen et al. 2015), DeepLab-LargeFOV: VGG-16 with stride-1 pool4/pool5, conv5 dilated 2, fc6 3×3 dilated 12 of 1024, fc7 1024; output stride 8",
  build: (o) => new DeepLabV1(o as never),
});
