// DDRNet variants by name (widths from the authors' DDRNet_23_slim.py and DDRNet_23.py); configs may
// override the widths, as the tests do for tiny models.
import { register } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import { DDRNet, type DDRNetOptions } from "./model.js";

const OPTIONS = ["numClasses", "ignoreIndex", "loss", "planes", "sppPlanes", "headPlanes"];

register<Segmentor>("model", "ddrnet_23_slim", {
  options: OPTIONS,
  summary: "DDRNet-23-slim (Hong 2021): dual-resolution ResNet with bilateral fusion and DAPPM; 5.7M parameters without the training-only auxiliary head",
  build: (o) => new DDRNet({ planes: 32, sppPlanes: 128, headPlanes: 64, ...o } as DDRNetOptions),
});
register<Segmentor>("model", "ddrnet_23", {
  options: OPTIONS,
  summary: "DDRNet-23 (Hong 2021): dual-resolution ResNet with bilateral fusion and DAPPM; 20.1M parameters without the training-only auxiliary head",
  build: (o) => new DDRNet({ planes: 64, sppPlanes: 128, headPlanes: 128, ...o } as DDRNetOptions),
});
