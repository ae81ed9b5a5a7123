// ConvNeXt-T/S/B as data (timm's convnext_tiny/small/base widths and depths), as backbones and with
// UPerNet as mmsegmentation's convnext configs set them (layer scale 1.0, drop path 0.4; its
// ConvNeXt-T/S configs say 0.4 and 0.3, B 0.4). Configs may override the widths and depths.
import { register, type Builder } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { upernet } from "../../segmentors/encoder-decoder/upernet.js";
import { ConvNeXt, type ConvNeXtOptions } from "./convnext.js";

const T: ConvNeXtOptions = { dims: [96, 192, 384, 768], depths: [3, 3, 9, 3] };
const S: ConvNeXtOptions = { dims: [96, 192, 384, 768], depths: [3, 3, 27, 3] };
const B: ConvNeXtOptions = { dims: [128, 256, 512, 1024], depths: [3, 3, 27, 3] };

const CONVNEXT_OPTIONS = ["dims", "depths", "layerScaleInit", "dropPathRate"];

function backbone(preset: ConvNeXtOptions, summary: string): Builder<Backbone> {
  return { options: CONVNEXT_OPTIONS, summary, build: (o) => new ConvNeXt({ ...preset, ...o } as ConvNeXtOptions) };
}

register("backbone", "convnext_t", backbone(T, "ConvNeXt-T (Liu 2022), timm layout"));
register("backbone", "convnext_s", backbone(S, "ConvNeXt-S (Liu 2022), timm layout"));
register("backbone", "convnext_b", backbone(B, "ConvNeXt-B (Liu 2022), timm layout"));

/** mmsegmentation's UPerNet settings for the backbone; a config's options override them. */
function forUperNet(name: string, dropPathRate: number, summary: string) {
  const inner = upernet(name, CONVNEXT_OPTIONS, summary);
  return { ...inner, build: (o: Record<string, unknown>, where: string) => inner.build({ layerScaleInit: 1, dropPathRate, ...o }, where) };
}

register("model", "upernet_convnext_t", forUperNet("convnext_t", 0.4, "UPerNet on ConvNeXt-T (mmsegmentation's ADE20K setup: FCN auxiliary head, drop path 0.4)"));
register("model", "upernet_convnext_s", forUperNet("convnext_s", 0.3, "UPerNet on ConvNeXt-S (mmsegmentation's ADE20K setup: FCN auxiliary head, drop path 0.3)"));
register("model", "upernet_convnext_b", forUperNet("convnext_b", 0.4, "UPerNet on ConvNeXt-B (mmsegmentation's ADE20K setup: FCN auxiliary head, drop path 0.4)"));
