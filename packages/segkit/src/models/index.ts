// segkit models: backbones, necks, heads and segmentors, registered by name for configs.
import "./zoo.js";

export { Backbone } from "./backbones/backbone.js";
export { ResNet, type ResNetOptions } from "./backbones/resnet/resnet.js";
export { MobileNetV3, type MobileNetV3Options } from "./backbones/mobilenet/mobilenet-v3.js";
export { DecodeHead, type HeadOptions } from "./heads/decode-head.js";
export { FCNHead } from "./heads/fcn-head.js";
export { DeepLabV3Head } from "./heads/deeplabv3-head.js";
export { LRASPPHead } from "./heads/lraspp-head.js";
export { Segmentor, type PredictOptions, type TrainOutput } from "./segmentors/segmentor.js";
export { EncoderDecoder, type Neck } from "./segmentors/encoder-decoder.js";
export { UNet, type UNetOptions } from "./segmentors/unet/model.js";
