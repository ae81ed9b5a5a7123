// U²-Net as data: the authors' full model (U2NET, 44.0 M parameters in the paper) and their small
// U²-Net† (U2NETP, 1.1 M: every stage 16 inner and 64 output channels); widths can be overridden.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { U2NET_OPTIONS, U2Net, type StageWidths, type U2NetOptions } from "./model.js";

const SMALL: StageWidths = [16, 64];

register<Segmentor>("model", "u2net", {
  options: [...SEGMENTOR_OPTIONS, ...U2NET_OPTIONS],
  summary: "U²-Net (Qin 2020): nested U-structure of residual U-blocks (RSU-7..4, 4F), six side outputs + fusion, deep supervision (authors' keys)",
  build: (o) => new U2Net(o as unknown as U2NetOptions),
});

register<Segmentor>("model", "u2netp", {
  options: [...SEGMENTOR_OPTIONS, ...U2NET_OPTIONS],
  summary: "U²-Net† (Qin 2020), the small U²-Net: every RSU 16 inner / 64 output channels (authors' U2NETP keys)",
  build: (o) => new U2Net({ encoderChannels: Array(6).fill(SMALL), decoderChannels: Array(5).fill(SMALL), ...o } as unknown as U2NetOptions),
});
