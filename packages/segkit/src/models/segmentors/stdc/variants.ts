// STDC variants as data: the backbones (STDC1 = STDCNet813, STDC2 = STDCNet1446) and STDC-Seg on each.
import { register } from "../../../config/registry.js";
import type { Backbone } from "../../backbones/backbone.js";
import type { Segmentor } from "../segmentor.js";
import { STDCSeg } from "./model.js";
import { STDCNet, type STDCNetOptions } from "./stdc-net.js";

const STDC1: STDCNetOptions["layers"] = [2, 2, 2];
const STDC2: STDCNetOptions["layers"] = [4, 5, 3];

register<Backbone>("backbone", "stdc1", {
  options: ["base", "numClasses"],
  summary: "STDC1 (STDCNet813, Fan 2021): 2/2/2 short-term dense concatenate blocks",
  build: (o) => new STDCNet({ layers: STDC1, ...o }),
});
register<Backbone>("backbone", "stdc2", {
  options: ["base", "numClasses"],
  summary: "STDC2 (STDCNet1446, Fan 2021): 4/5/3 short-term dense concatenate blocks",
  build: (o) => new STDCNet({ layers: STDC2, ...o }),
});

const SEG_OPTIONS = ["numClasses", "ignoreIndex", "loss", "base", "contextChannels", "headChannels", "auxChannels"];
register<Segmentor>("model", "stdc1_seg", {
  options: SEG_OPTIONS,
  summary: "STDC1-Seg (Fan 2021): STDC1 + attention-refined context path, detail head and loss in training; 8.3M parameters at inference (12.0M with the training-only heads and the ImageNet classifier its checkpoints carry)",
  build: (o) => new STDCSeg({ layers: STDC1, ...o } as never),
});
register<Segmentor>("model", "stdc2_seg", {
  options: SEG_OPTIONS,
  summary: "STDC2-Seg (Fan 2021): STDC2 + attention-refined context path, detail head and loss in training; 12.3M parameters at inference (16.1M with the training-only heads and the ImageNet classifier its checkpoints carry)",
  build: (o) => new STDCSeg({ layers: STDC2, ...o } as never),
});
