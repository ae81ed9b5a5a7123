// Registers the backbones, heads and models by the names configs use, and the torchvision-style
// presets (fcn_resnet50, deeplabv3_mobilenet_v3_large, ...) whose weights load from PyTorch exports.
import { build, register, type Config } from "../config/registry.js";
import type { Backbone } from "./backbones/backbone.js";
import { ResNet } from "./backbones/resnet/resnet.js";
import { MobileNetV3 } from "./backbones/mobilenet/mobilenet-v3.js";
import { HEAD_OPTIONS, type DecodeHead, type HeadOptions } from "./heads/decode-head.js";
import { FCNHead } from "./heads/fcn-head.js";
import { DeepLabV3Head } from "./heads/deeplabv3-head.js";
import { LRASPPHead } from "./heads/lraspp-head.js";
import { EncoderDecoder } from "./segmentors/encoder-decoder.js";
import { UNet } from "./segmentors/unet/model.js";
import type { Segmentor } from "./segmentors/segmentor.js";

type Options = Record<string, unknown>;

for (const depth of [18, 34, 50, 101] as const) {
  register<Backbone>("backbone", `resnet${depth}`, {
    options: ["outputStride", "deepStem"],
    summary: `ResNet-${depth} (torchvision layout; outputStride 8/16/32, deepStem for v1c)`,
    build: (o) => new ResNet({ depth, ...o }),
  });
}
for (const arch of ["large", "small"] as const) {
  register<Backbone>("backbone", `mobilenet_v3_${arch}`, {
    options: ["dilated", "outIndices"],
    summary: `MobileNetV3-${arch === "large" ? "Large" : "Small"} (torchvision layout; dilated keeps stride 16)`,
    build: (o) => new MobileNetV3({ arch, ...o }),
  });
}

// Heads take inChannels; the encoder_decoder builder fills it in from the backbone when absent.
const headOptions = [...HEAD_OPTIONS, "inChannels", "channels"];
register<DecodeHead>("head", "fcn", { options: headOptions, summary: "FCN head (torchvision)", build: (o) => new FCNHead(o as never) });
register<DecodeHead>("head", "deeplabv3", { options: [...headOptions, "rates"], summary: "ASPP + 3×3 conv (torchvision DeepLabHead)", build: (o) => new DeepLabV3Head(o as never) });
register<DecodeHead>("head", "lraspp", { options: headOptions, summary: "Lite R-ASPP (torchvision)", build: (o) => new LRASPPHead(o as never) });

/** Builds a head config against a backbone: inChannels defaults to the channels at its inIndex. */
function buildHead(config: Config, backbone: Backbone, defaults: Partial<HeadOptions>, where: string): DecodeHead {
  const merged: Config = { ...defaults, ...config };
  if (merged.inChannels === undefined) {
    const index = merged.inIndex ?? -1;
    merged.inChannels = Array.isArray(index) ? index.map((i: number) => backbone.outChannels.at(i)) : backbone.outChannels.at(index as number);
  }
  return build<DecodeHead>("head", merged, where);
}

register<Segmentor>("model", "encoder_decoder", {
  options: ["numClasses", "ignoreIndex", "backbone", "neck", "head", "auxiliary"],
  summary: "backbone → neck? → decode head (+ auxiliary heads), from configs",
  build: (o: Options) => {
    const common = { numClasses: o.numClasses as number, ignoreIndex: o.ignoreIndex as number | undefined };
    const backbone = build<Backbone>("backbone", o.backbone as Config, "model.backbone");
    const auxiliary = ((o.auxiliary ?? []) as Config[]).map((c, i) =>
      buildHead(c, backbone, { ...common, lossWeight: 0.4, name: `aux${i}` }, `model.auxiliary[${i}]`));
    const head = buildHead(o.head as Config, backbone, common, "model.head");
    return new EncoderDecoder({ backbone, head, auxiliary });
  },
});

const PRESET_OPTIONS = ["numClasses", "ignoreIndex", "auxLoss", "loss"];

/** A torchvision segmentation model: backbone + head (+ FCN auxiliary head at weight 0.4 with auxLoss). */
function preset(name: string, summary: string, backbone: Config, head: Config, auxIndex: number): void {
  register<Segmentor>("model", name, {
    options: PRESET_OPTIONS,
    summary,
    build: ({ auxLoss, ...o }: Options) => build<Segmentor>("model", {
      type: "encoder_decoder", ...o, backbone, head,
      auxiliary: auxLoss ? [{ type: "fcn", inIndex: auxIndex }] : [],
    }, name),
  });
}
for (const depth of [50, 101]) {
  const backbone = { type: `resnet${depth}`, outputStride: 8 };
  preset(`fcn_resnet${depth}`, `FCN on dilated ResNet-${depth} (torchvision)`, backbone, { type: "fcn" }, 2);
  preset(`deeplabv3_resnet${depth}`, `DeepLabV3 on dilated ResNet-${depth} (torchvision)`, backbone, { type: "deeplabv3" }, 2);
}
preset("deeplabv3_mobilenet_v3_large", "DeepLabV3 on dilated MobileNetV3-Large (torchvision)",
  { type: "mobilenet_v3_large", dilated: true }, { type: "deeplabv3", inIndex: 1 }, 0);
preset("lraspp_mobilenet_v3_large", "Lite R-ASPP on dilated MobileNetV3-Large (torchvision)",
  { type: "mobilenet_v3_large", dilated: true }, { type: "lraspp", inIndex: [0, 1] }, 0);

register<Segmentor>("model", "unet", {
  options: ["numClasses", "ignoreIndex", "widths", "inChannels", "loss"],
  summary: "U-Net (Ronneberger 2015, same padding, BN) as the peer defines it",
  build: (o) => new UNet(o as never),
});
