// ViT backbones as data: timm's DeiT-S/16, ViT-B/16 and ViT-L/16 widths (the 224² pretraining grid by
// default), the R50+ViT-B/16 hybrid, and "vit" with every option for other sizes.
import { register } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { VIT_OPTIONS, VisionTransformer, type ViTOptions } from "./vit.js";

const SIZED = VIT_OPTIONS.filter((k) => !["embedDim", "depth", "numHeads", "patchSize", "mlpRatio"].includes(k));

register<Backbone>("backbone", "vit", {
  options: VIT_OPTIONS, summary: "Vision Transformer of any size (timm keys; embedDim, depth, numHeads required)",
  build: (o) => new VisionTransformer(o as unknown as ViTOptions),
});
register<Backbone>("backbone", "deit_s16", {
  options: SIZED, summary: "DeiT-S/16 (Touvron 2021): ViT width 384, 12 blocks, 6 heads; 21.7M parameters (timm keys)",
  build: (o) => new VisionTransformer({ embedDim: 384, depth: 12, numHeads: 6, ...o }),
});
register<Backbone>("backbone", "vit_b16", {
  options: SIZED, summary: "ViT-B/16 (Dosovitskiy 2021): width 768, 12 blocks, 12 heads; 85.8M parameters (timm keys)",
  build: (o) => new VisionTransformer({ embedDim: 768, depth: 12, numHeads: 12, ...o }),
});
register<Backbone>("backbone", "vit_l16", {
  options: SIZED, summary: "ViT-L/16 (Dosovitskiy 2021): width 1024, 24 blocks, 16 heads; 303.3M parameters (timm keys)",
  build: (o) => new VisionTransformer({ embedDim: 1024, depth: 24, numHeads: 16, ...o }),
});
register<Backbone>("backbone", "r50_vit_b16", {
  options: SIZED.filter((k) => k !== "hybrid"),
  summary: "R50+ViT-B/16 hybrid (Dosovitskiy 2021; timm's vit_base_r50_s16_384): ResNetV2 stages [3, 4, 9] (StdConv, GroupNorm, SAME padding), ViT-B on its stride-16 map, 384² pretraining grid; 98.2M parameters (timm keys)",
  build: (o) => new VisionTransformer({ embedDim: 768, depth: 12, numHeads: 12, imgSize: 384, hybrid: { layers: [3, 4, 9] }, ...o }),
});
