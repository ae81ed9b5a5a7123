// Registers the backbones, heads and models by the names configs use, and the torchvision-style
// presets (fcn_resnet50, deeplabv3_mobilenet_v3_large, ...) whose weights load from PyTorch exports.
import { build, builderOf, register, type Config } from "../config/registry.js";
import type { Backbone } from "./backbones/backbone.js";
import { ResNet } from "./backbones/resnet/resnet.js";
import { MobileNetV3 } from "./backbones/mobilenet/mobilenet-v3.js";
import { MobileNetV2 } from "./backbones/mobilenet/mobilenet-v2.js";
import { VGG16 } from "./backbones/vgg.js";
import { FCNVGG } from "./segmentors/fcn-vgg/model.js";
import { SegNet } from "./segmentors/segnet/model.js";
import { UNetPlusPlus } from "./segmentors/unet-plus-plus/model.js";
import { BiSeNetV1 } from "./segmentors/bisenet-v1/model.js";
import { BiSeNetV2 } from "./segmentors/bisenet-v2/model.js";
import { ENet } from "./segmentors/enet/model.js";
import { HEAD_OPTIONS, type DecodeHead, type HeadOptions } from "./heads/decode-head.js";
import { FCNHead } from "./heads/fcn-head.js";
import { DeepLabV3Head } from "./heads/deeplabv3-head.js";
import { LRASPPHead } from "./heads/lraspp-head.js";
import { PSPHead } from "./heads/psp-head.js";
import { DeepLabV3PlusHead } from "./heads/deeplabv3plus-head.js";
import { FPNHead } from "./heads/fpn-head.js";
import { UPerHead } from "./heads/uper-head.js";
import { FPN } from "./necks/fpn.js";
import type { Neck } from "./segmentors/encoder-decoder.js";
import { EncoderDecoder } from "./segmentors/encoder-decoder.js";
import { UNet } from "./segmentors/unet/model.js";
import { ResNetUNet } from "./segmentors/unet/resnet-unet.js";
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

register<Backbone>("backbone", "mobilenet_v2", {
  options: ["outIndices"], summary: "MobileNetV2 (torchvision layout)", build: (o) => new MobileNetV2(o as never),
});
for (const batchNorm of [false, true]) {
  register<Backbone>("backbone", batchNorm ? "vgg16_bn" : "vgg16", {
    options: ["widths"], summary: `VGG-16${batchNorm ? " with BatchNorm" : ""} (torchvision layout)`, build: (o) => new VGG16({ ...o, batchNorm }),
  });
}

// Heads take inChannels; the encoder_decoder builder fills it in from the backbone when absent.
const headOptions = [...HEAD_OPTIONS, "inChannels", "channels"];
register<DecodeHead>("head", "fcn", { options: headOptions, summary: "FCN head (torchvision)", build: (o) => new FCNHead(o as never) });
register<DecodeHead>("head", "deeplabv3", { options: [...headOptions, "rates"], summary: "ASPP + 3×3 conv (torchvision DeepLabHead)", build: (o) => new DeepLabV3Head(o as never) });
register<DecodeHead>("head", "lraspp", { options: headOptions, summary: "Lite R-ASPP (torchvision)", build: (o) => new LRASPPHead(o as never) });
register<DecodeHead>("head", "psp", { options: [...headOptions, "scales"], summary: "pyramid pooling 1/2/3/6 (PSPNet)", build: (o) => new PSPHead(o as never) });
register<DecodeHead>("head", "deeplabv3plus", {
  options: [...headOptions, "rates", "lowChannels"], summary: "separable ASPP + low-level decoder (DeepLabV3+)", build: (o) => new DeepLabV3PlusHead(o as never),
});
register<DecodeHead>("head", "fpn", { options: [...headOptions, "strides"], summary: "Semantic FPN head", build: (o) => new FPNHead(o as never) });
register<DecodeHead>("head", "uper", { options: [...headOptions, "scales"], summary: "UPerNet: PPM + FPN fusion", build: (o) => new UPerHead(o as never) });
register<Neck>("neck", "fpn", { options: ["inChannels", "outChannels"], summary: "feature pyramid network", build: (o) => new FPN(o as never) });

/** What a head reads from: the backbone, or the neck after it. */
interface Source {
  outChannels: number[];
  strides: number[];
}

/**
 * Builds a head config against what it reads: inChannels (and strides, for heads that take them)
 * default to those at its inIndex; heads reading every level default to all of them.
 */
function buildHead(config: Config, source: Source, defaults: Partial<HeadOptions>, where: string): DecodeHead {
  const merged: Config = { ...defaults, ...config };
  const accepts = builderOf("head", merged.type).options;
  const all = source.outChannels.map((_, i) => i);
  const index = (merged.inIndex ?? (["fpn", "uper"].includes(merged.type) ? all : -1)) as number | number[];
  const pick = (list: number[]): number | (number | undefined)[] | undefined =>
    Array.isArray(index) ? index.map((i) => list.at(i)) : list.at(index);
  merged.inChannels ??= pick(source.outChannels);
  if (accepts.includes("strides")) merged.strides ??= pick(source.strides);
  return build<DecodeHead>("head", merged, where);
}

register<Segmentor>("model", "encoder_decoder", {
  options: ["numClasses", "ignoreIndex", "backbone", "neck", "head", "auxiliary"],
  summary: "backbone → neck? → decode head (+ auxiliary heads), from configs",
  build: (o: Options) => {
    const common = { numClasses: o.numClasses as number, ignoreIndex: o.ignoreIndex as number | undefined };
    const backbone = build<Backbone>("backbone", o.backbone as Config, "model.backbone");
    const neckConfig = o.neck as Config | undefined;
    const neck = neckConfig ? build<Neck & Source>("neck", { inChannels: backbone.outChannels, ...neckConfig }, "model.neck") : undefined;
    const source = { outChannels: neck?.outChannels ?? backbone.outChannels, strides: backbone.strides };
    // Auxiliary heads read the backbone's features (before any neck), as in mmsegmentation.
    const auxiliary = ((o.auxiliary ?? []) as Config[]).map((c, i) =>
      buildHead(c, neck ? source : backbone, { ...common, lossWeight: 0.4, name: `aux${i}` }, `model.auxiliary[${i}]`));
    const head = buildHead(o.head as Config, source, common, "model.head");
    return new EncoderDecoder({ backbone, neck, head, auxiliary });
  },
});

const PRESET_OPTIONS = ["numClasses", "ignoreIndex", "auxLoss", "loss"];

/** A torchvision segmentation model: backbone + head (+ FCN auxiliary head at weight 0.4 with auxLoss). */
function preset(name: string, summary: string, backbone: Config, head: Config, auxIndex: number, neck?: Config): void {
  register<Segmentor>("model", name, {
    options: PRESET_OPTIONS,
    summary,
    build: ({ auxLoss, ...o }: Options) => build<Segmentor>("model", {
      type: "encoder_decoder", ...o, backbone, head, ...(neck ? { neck } : {}),
      auxiliary: auxLoss ? [{ type: "fcn", inIndex: auxIndex }] : [],
    }, name),
  });
}
for (const depth of [50, 101]) {
  const backbone = { type: `resnet${depth}`, outputStride: 8 };
  preset(`fcn_resnet${depth}`, `FCN on dilated ResNet-${depth} (torchvision)`, backbone, { type: "fcn" }, 2);
  preset(`deeplabv3_resnet${depth}`, `DeepLabV3 on dilated ResNet-${depth} (torchvision)`, backbone, { type: "deeplabv3" }, 2);
}
preset("deeplabv3_os16_resnet50", "DeepLabV3 as in the paper: ResNet-50 at output stride 16, ASPP rates 6/12/18",
  { type: "resnet50", outputStride: 16 }, { type: "deeplabv3", rates: [6, 12, 18] }, 2);
preset("deeplabv3plus_resnet50", "DeepLabV3+ on dilated ResNet-50 (output stride 8)",
  { type: "resnet50", outputStride: 8 }, { type: "deeplabv3plus", inIndex: [0, 3] }, 2);
preset("pspnet_resnet50", "PSPNet on dilated ResNet-50 (output stride 8)", { type: "resnet50", outputStride: 8 }, { type: "psp" }, 2);
preset("upernet_resnet50", "UPerNet on ResNet-50", { type: "resnet50" }, { type: "uper" }, 2);
preset("fpn_resnet50", "Semantic FPN on ResNet-50", { type: "resnet50" }, { type: "fpn" }, 2, { type: "fpn" });
preset("deeplabv3_mobilenet_v3_large", "DeepLabV3 on dilated MobileNetV3-Large (torchvision)",
  { type: "mobilenet_v3_large", dilated: true }, { type: "deeplabv3", inIndex: 1 }, 0);
preset("lraspp_mobilenet_v3_large", "Lite R-ASPP on dilated MobileNetV3-Large (torchvision)",
  { type: "mobilenet_v3_large", dilated: true }, { type: "lraspp", inIndex: [0, 1] }, 0);

const COMMON = ["numClasses", "ignoreIndex", "loss"];
const UNET_OPTIONS = [...COMMON, "widths", "inChannels"];
register<Segmentor>("model", "unet", {
  options: UNET_OPTIONS,
  summary: "U-Net (Ronneberger 2015, same padding, BN) as the peer defines it",
  build: (o) => new UNet(o as never),
});
register<Segmentor>("model", "attention_unet", {
  options: UNET_OPTIONS,
  summary: "Attention U-Net (Oktay 2018): U-Net with additive attention gates on the skips",
  build: (o) => new UNet({ ...o, attention: true } as never),
});
register<Segmentor>("model", "resnet_unet", {
  options: [...COMMON, "depth", "decoderChannels"],
  summary: "U-Net decoder on a ResNet encoder (smp Unet)",
  build: (o) => new ResNetUNet(o as never),
});
register<Segmentor>("model", "unet_plus_plus", {
  options: [...UNET_OPTIONS, "deepSupervision", "pruneLevel"],
  summary: "UNet++ (Zhou 2018): nested skips, deep supervision, pruned inference",
  build: (o) => new UNetPlusPlus(o as never),
});
register<Segmentor>("model", "segnet", {
  options: [...UNET_OPTIONS],
  summary: "SegNet (Badrinarayanan 2017): VGG-16-BN encoder, decoder unpooling with the pool indices",
  build: (o) => new SegNet(o as never),
});
for (const variant of [32, 16, 8] as const) {
  register<Segmentor>("model", `fcn${variant}s_vgg16`, {
    options: [...COMMON, "batchNorm", "widths", "fcChannels"],
    summary: `FCN-${variant}s (Long 2015) on VGG-16${variant === 32 ? "" : `, fusing ${variant === 16 ? "pool4" : "pool4 and pool3"}`}`,
    build: (o) => new FCNVGG({ ...o, variant } as never),
  });
}
register<Segmentor>("model", "bisenetv1", {
  options: [...COMMON, "depth", "contextChannels", "headChannels"],
  summary: "BiSeNetV1 (Yu 2018): spatial path + ResNet context path with attention refinement",
  build: (o) => new BiSeNetV1(o as never),
});
register<Segmentor>("model", "bisenetv2", {
  options: [...COMMON, "detailChannels", "semanticChannels", "headChannels"],
  summary: "BiSeNetV2 (Yu 2021): detail and semantic branches, bilateral guided aggregation",
  build: (o) => new BiSeNetV2(o as never),
});
register<Segmentor>("model", "enet", {
  options: [...COMMON, "widths"],
  summary: "ENet (Paszke 2016): bottlenecks with dilated/asymmetric convs, unpooling decoder",
  build: (o) => new ENet(o as never),
});
