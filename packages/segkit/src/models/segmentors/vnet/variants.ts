// V-Net registered by the name configs use.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { VNET_OPTIONS, VNet, type VNetOptions } from "./model.js";

register<Segmentor>("model", "vnet", {
  options: [...SEGMENTOR_OPTIONS, ...VNET_OPTIONS],
  summary: "V-Net (Milletari 2016): 3D residual encoder-decoder of 5×5×5 convs for volumes (N, C, D, H, W), strided-conv down/transposed-conv up (MONAI's VNet keys)",
  build: (o) => new VNet(o as unknown as VNetOptions),
});
