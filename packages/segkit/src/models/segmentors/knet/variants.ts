// K-Net panoptic as the authors' knet_s3_r50_fpn panoptic config sizes it (ResNet-50, 100 thing
// kernels, 3 stages of 256 channels, 8 heads, feed-forward 2048, one class and one mask fc, losses
// focal 2 / BCE 1 / dice 4), with UPerHead of 256 channels as the kernel generating head.
import { build, register, type Config } from "../../../config/registry.js";
import type { Backbone } from "../../backbones/backbone.js";
import type { KernelGenerateHead } from "../../heads/knet-head.js";
import "../../heads/uper-head.js";
import type { Segmentor } from "../segmentor.js";
import { KNetPanoptic } from "./model.js";

const OPTIONS = [
  "numClasses", "ignoreIndex", "stuffClasses", "backbone", "generateHead", "numProposals", "numStages", "updatorChannels", "numHeads",
  "feedforwardChannels", "numMaskFcs", "numClsFcs", "classWeight", "maskWeight", "diceWeight",
];

register<Segmentor>("model", "knet_s3_panoptic_r50", {
  options: OPTIONS,
  summary: "K-Net (Zhang et al. 2021) for panoptic and instance segmentation: thing kernels matched to instances, one kernel per stuff class, 3 update stages with classes",
  build: (o, where) => {
    const int = (key: string, fallback: number, min: number): number => {
      const v = o[key] ?? fallback;
      if (!(Number.isInteger(v) && (v as number) >= min)) throw new RangeError(`${where}: "${key}" must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
      return v as number;
    };
    const num = (key: string): number | undefined => o[key] as number | undefined;
    const numClasses = int("numClasses", 0, 1);
    // Omitted: COCO panoptic's layout, which the authors train on (things first, its last 53 of 133
    // classes stuff), scaled to numClasses — so `segkit models` can build it from a class count alone.
    const stuffCount = Math.ceil((53 / 133) * numClasses);
    const stuffClasses = o.stuffClasses ?? Array.from({ length: stuffCount }, (_, i) => numClasses - stuffCount + i);
    if (!Array.isArray(stuffClasses)) throw new TypeError(`${where}: "stuffClasses" must be a list of class indices, got ${JSON.stringify(stuffClasses)}`);
    const backbone = build<Backbone>("backbone", (o.backbone ?? { type: "resnet50" }) as Config, `${where}.backbone`);
    const generateHead = build<KernelGenerateHead>("head", {
      type: "uper", channels: 256, ...(o.generateHead as Config | undefined), numClasses, inChannels: backbone.outChannels,
      inIndex: backbone.outChannels.map((_, i) => i),
    }, `${where}.generateHead`);
    if (typeof generateHead.decodeFeatures !== "function") throw new TypeError(`${where}.generateHead: the head must expose decodeFeatures (as "uper" does)`);
    return new KNetPanoptic({
      backbone, generateHead, numClasses, ignoreIndex: o.ignoreIndex as number | undefined, stuffClasses: stuffClasses as number[],
      numProposals: int("numProposals", 100, 1), numStages: int("numStages", 3, 1),
      stage: {
        updatorChannels: int("updatorChannels", 256, 1), numHeads: int("numHeads", 8, 1), feedforwardChannels: int("feedforwardChannels", 2048, 1),
        numMaskFcs: int("numMaskFcs", 1, 0), numClsFcs: int("numClsFcs", 1, 0),
      },
      criterion: { classWeight: num("classWeight"), maskWeight: num("maskWeight"), diceWeight: num("diceWeight") },
    });
  },
});
