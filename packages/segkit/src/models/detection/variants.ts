// Mask R-CNN as registered (kind "instance_model": its output is a list of detections per image,
// not a logit map): "maskrcnn_resnet50_fpn" is torchvision's maskrcnn_resnet50_fpn — ResNet-50 body,
// FPN of 256, box head of 1024, mask head of four 256-wide convs, 91 COCO classes, images resized to
// 800 (long side ≤ 1333). Widths, the backbone, the inference settings and the samplers' sizes may
// be overridden under torchvision's option names in camelCase (the tests build a reduced model this way).
import { build, register, type Config } from "../../config/registry.js";
import type { Backbone } from "../backbones/backbone.js";
import { MaskRCNN } from "./mask-rcnn.js";

register<MaskRCNN>("instance_model", "maskrcnn_resnet50_fpn", {
  options: [
    "numClasses", "backbone", "fpnChannels", "representationSize", "maskLayers", "maskDimReduced", "minSize", "maxSize",
    "rpnPreNmsTopNTrain", "rpnPreNmsTopNTest", "rpnPostNmsTopNTrain", "rpnPostNmsTopNTest", "rpnNmsThresh", "rpnScoreThresh", "rpnBatchSizePerImage",
    "boxScoreThresh", "boxNmsThresh", "boxDetectionsPerImg", "boxBatchSizePerImage", "boxPositiveFraction",
  ],
  summary: "Mask R-CNN (He et al. 2017), ResNet-50-FPN, torchvision's layout and keys: detections with boxes, labels, scores and mask probabilities",
  build: (o, where) => {
    const body = build<Backbone>("backbone", (o.backbone ?? { type: "resnet50" }) as Config, `${where}.backbone`);
    const defined = <T>(entries: Record<string, unknown>): Partial<T> => Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Partial<T>;
    return new MaskRCNN({
      body,
      numClasses: (o.numClasses ?? 91) as number,
      ...defined<{ fpnChannels: number; representationSize: number; maskLayers: number[]; maskDimReduced: number }>({
        fpnChannels: o.fpnChannels, representationSize: o.representationSize, maskLayers: o.maskLayers, maskDimReduced: o.maskDimReduced,
      }),
      transform: defined({ minSize: o.minSize, maxSize: o.maxSize }),
      rpn: defined({
        preNmsTopNTrain: o.rpnPreNmsTopNTrain, preNmsTopNTest: o.rpnPreNmsTopNTest, postNmsTopNTrain: o.rpnPostNmsTopNTrain, postNmsTopNTest: o.rpnPostNmsTopNTest,
        nmsThresh: o.rpnNmsThresh, scoreThresh: o.rpnScoreThresh, batchSizePerImage: o.rpnBatchSizePerImage,
      }),
      roiHeads: defined({
        scoreThresh: o.boxScoreThresh, nmsThresh: o.boxNmsThresh, detectionsPerImg: o.boxDetectionsPerImg,
        batchSizePerImage: o.boxBatchSizePerImage, positiveFraction: o.boxPositiveFraction,
      }),
    });
  },
});
