// Fast-SCNN as registered: the paper's widths by default (mmsegmentation's fast_scnn config).
import { register } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import { FastSCNN } from "./model.js";

register<Segmentor>("model", "fast_scnn", {
  options: ["numClasses", "ignoreIndex", "loss", "downsampleChannels", "globalChannels", "channels", "auxChannels"],
  summary: "Fast-SCNN (Poudel 2019, mmsegmentation's version): learning to downsample, global feature extractor with PPM, feature fusion; 1.4M parameters without the training-only auxiliary heads",
  build: (o) => new FastSCNN(o as never),
});
