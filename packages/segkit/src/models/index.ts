// segkit models: backbones, necks, heads and segmentors, registered by name for configs (zoo.ts).
import "./zoo.js";

export { Backbone } from "./backbones/backbone.js";
export { ResNet, type ResNetOptions } from "./backbones/resnet/resnet.js";
export { MobileNetV2 } from "./backbones/mobilenet/mobilenet-v2.js";
export { MobileNetV3, type MobileNetV3Options } from "./backbones/mobilenet/mobilenet-v3.js";
export { VGG16, type VGGOptions } from "./backbones/vgg.js";
export { FPN, type FPNOptions } from "./necks/fpn.js";
export { DecodeHead, type HeadOptions } from "./heads/decode-head.js";
export { FCNHead } from "./heads/fcn-head.js";
export { DeepLabV3Head } from "./heads/deeplabv3-head.js";
export { DeepLabV3PlusHead } from "./heads/deeplabv3plus-head.js";
export { LRASPPHead } from "./heads/lraspp-head.js";
export { PSPHead } from "./heads/psp-head.js";
export { FPNHead } from "./heads/fpn-head.js";
export { UPerHead } from "./heads/uper-head.js";
export { Segmentor, type SegmentorOptions, type PredictOptions, type TrainOutput } from "./segmentors/segmentor.js";
export { EncoderDecoder, type Neck } from "./segmentors/encoder-decoder.js";
export { UNet, type UNetOptions } from "./segmentors/unet/model.js";
export { ResNetUNet, type ResNetUNetOptions } from "./segmentors/unet/resnet-unet.js";
export { UNetPlusPlus, type UNetPlusPlusOptions } from "./segmentors/unet-plus-plus/model.js";
export { SegNet, type SegNetOptions } from "./segmentors/segnet/model.js";
export { FCNVGG, type FCNVGGOptions } from "./segmentors/fcn-vgg/model.js";
export { BiSeNetV1, type BiSeNetV1Options } from "./segmentors/bisenet-v1/model.js";
export { BiSeNetV2, type BiSeNetV2Options } from "./segmentors/bisenet-v2/model.js";
export { ENet, type ENetOptions } from "./segmentors/enet/model.js";
export { complexity, type Complexity } from "./complexity.js";
