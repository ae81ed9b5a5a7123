// YOLACT as registered (kind "instance_model", like Mask R-CNN): "yolact_resnet50" is the authors'
// yolact_resnet50_config — ResNet-50 body, FPN of 256, 32 prototypes, 81 COCO classes with the
// background, 550×550 input. Widths, the body, the input size with its prior scales, and the
// FastNMS settings may be overridden (the tests build a reduced model this way); weights from the
// authors' checkpoints load through key map "yolact".
import { build, register, type Config } from "../../../config/registry.js";
import type { Backbone } from "../../backbones/backbone.js";
import { registerNotExportable } from "../../not-exportable.js";
import { Yolact } from "./yolact.js";

register<Yolact>("instance_model", "yolact_resnet50", {
  options: ["numClasses", "backbone", "fpnChannels", "prototypes", "maxSize", "priorScales", "confThresh", "nmsThresh", "topK", "maxDetections"],
  summary: "YOLACT (Bolya et al. 2019), ResNet-50-FPN, the authors' layout and keys: prototypes and per-detection coefficients, FastNMS; boxes, labels, scores and mask probabilities",
  build: (o, where) => {
    const body = build<Backbone>("backbone", (o.backbone ?? { type: "resnet50" }) as Config, `${where}.backbone`);
    const detection = Object.fromEntries(Object.entries({ confThresh: o.confThresh, nmsThresh: o.nmsThresh, topK: o.topK, maxDetections: o.maxDetections }).filter(([, v]) => v !== undefined));
    return new Yolact({
      body, numClasses: (o.numClasses ?? 81) as number, fpnChannels: o.fpnChannels as number | undefined, prototypes: o.prototypes as number | undefined,
      maxSize: o.maxSize as number | undefined, priorScales: o.priorScales as number[] | undefined, detection,
    });
  },
});

registerNotExportable("yolact_resnet50", "an instance model: its output is a variable number of detections per image (FastNMS), not the logit map segkit export records");
