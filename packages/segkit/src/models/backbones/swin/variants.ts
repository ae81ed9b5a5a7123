// Swin-T/S/B as data (timm's swin_tiny/small/base_patch4_window7_224 widths, depths and heads), as
// backbones and with UPerNet as mmsegmentation's swin configs set them (drop path 0.3). Configs may
// override every option, as the tests do for reduced models.
import { register, type Builder } from "../../../config/registry.js";
import type { Backbone } from "../backbone.js";
import { upernet } from "../../segmentors/encoder-decoder/upernet.js";
import { SwinTransformer, type SwinOptions } from "./swin.js";

const T: SwinOptions = { embedDim: 96, depths: [2, 2, 6, 2], numHeads: [3, 6, 12, 24] };
const S: SwinOptions = { embedDim: 96, depths: [2, 2, 18, 2], numHeads: [3, 6, 12, 24] };
const B: SwinOptions = { embedDim: 128, depths: [2, 2, 18, 2], numHeads: [4, 8, 16, 32] };

const SWIN_OPTIONS = ["embedDim", "depths", "numHeads", "windowSize", "mlpRatio", "dropPathRate", "windowPadding"];

function backbone(preset: SwinOptions, summary: string): Builder<Backbone> {
  return { options: SWIN_OPTIONS, summary, build: (o) => new SwinTransformer({ ...preset, ...o } as SwinOptions) };
}

register("backbone", "swin_t", backbone(T, "Swin-T (Liu 2021), window 7, timm layout"));
register("backbone", "swin_s", backbone(S, "Swin-S (Liu 2021), window 7, timm layout"));
register("backbone", "swin_b", backbone(B, "Swin-B (Liu 2021), window 7, timm layout"));

/** mmsegmentation's UPerNet settings for the backbone (drop path 0.3); a config's options override them. */
function forUperNet(name: string, summary: string) {
  const inner = upernet(name, SWIN_OPTIONS, summary);
  return { ...inner, build: (o: Record<string, unknown>, where: string) => inner.build({ dropPathRate: 0.3, ...o }, where) };
}

register("model", "upernet_swin_t", forUperNet("swin_t", "UPerNet on Swin-T (mmsegmentation's ADE20K setup: FCN auxiliary head, drop path 0.3)"));
register("model", "upernet_swin_s", forUperNet("swin_s", "UPerNet on Swin-S (mmsegmentation's ADE20K setup: FCN auxiliary head, drop path 0.3)"));
register("model", "upernet_swin_b", forUperNet("swin_b", "UPerNet on Swin-B (mmsegmentation's ADE20K setup: FCN auxiliary head, drop path 0.3)"));
