// W-Net registered by the name configs use; numClasses is K, the number of segments.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { WNET_OPTIONS, WNet, type WNetOptions } from "./model.js";

register<Segmentor>("model", "w_net", {
  options: [...SEGMENTOR_OPTIONS, ...WNET_OPTIONS],
  summary: "W-Net (Xia 2017): two cascaded U-Nets (image → K soft segments → reconstruction), trained without labels by soft N-cut + reconstruction loss; numClasses = K",
  build: (o) => new WNet(o as unknown as WNetOptions),
});
