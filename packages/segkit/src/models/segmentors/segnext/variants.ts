// MSCAN-T/S/B/L and SegNeXt-T/S/B/L as data, from mmsegmentation's configs/segnext/segnext_mscan-*_ade20k
// (MLP ratios 8/8/4/4, drop path 0.1, L 0.3; head width 256 for T/S, 512 for B, 1024 for L; NMF rank
// 16, 6 training and 7 evaluation steps, random bases). The authors' configs use rank 64 for B and L
// (no parameter changes): pass rank: 64 for theirs. Configs may override widths and depths, as the
// tests do for reduced models.
import { register, type Builder } from "../../../config/registry.js";
import type { Backbone } from "../../backbones/backbone.js";
import { PRETRAINED_OPTIONS, withPretrained } from "../../backbones/pretrained.js";
import { registerNotExportable } from "../../not-exportable.js";
import { MSCAN, type MSCANOptions } from "../../backbones/mscan/mscan.js";
import type { Segmentor } from "../segmentor.js";
import { SegNeXt, type SegNeXtOptions } from "./model.js";
import { NMF_OPTIONS } from "./nmf.js";

interface Preset extends MSCANOptions {
  decoderChannels: number;
}

const WIDE = [64, 128, 320, 512];
const T: Preset = { embedDims: [32, 64, 160, 256], depths: [3, 3, 5, 2], dropPathRate: 0.1, decoderChannels: 256 };
const S: Preset = { embedDims: WIDE, depths: [2, 2, 4, 2], dropPathRate: 0.1, decoderChannels: 256 };
const B: Preset = { embedDims: WIDE, depths: [3, 3, 12, 3], dropPathRate: 0.1, decoderChannels: 512 };
const L: Preset = { embedDims: WIDE, depths: [3, 5, 27, 3], dropPathRate: 0.3, decoderChannels: 1024 };
const RANK = 16;

const MSCAN_OPTIONS = ["embedDims", "depths", "mlpRatios", "dropPathRate", ...PRETRAINED_OPTIONS];
const SEGNEXT_OPTIONS = ["numClasses", "ignoreIndex", "loss", "decoderChannels", "dropoutRatio", ...NMF_OPTIONS, ...MSCAN_OPTIONS];

function backbone({ decoderChannels: _, ...preset }: Preset, summary: string): Builder<Backbone> {
  return {
    options: MSCAN_OPTIONS, summary,
    build: ({ pretrained, pretrainedMap, ...o }, where) => withPretrained(new MSCAN({ ...preset, ...o } as MSCANOptions), { pretrained, pretrainedMap }, where),
  };
}

function segnext(preset: Preset, summary: string): Builder<Segmentor> {
  return { options: SEGNEXT_OPTIONS, summary, build: (o) => new SegNeXt({ ...preset, rank: RANK, ...o } as SegNeXtOptions) };
}

register("backbone", "mscan_t", backbone(T, "MSCAN-T (SegNeXt's convolutional attention encoder): 3.9M parameters"));
register("backbone", "mscan_s", backbone(S, "MSCAN-S (SegNeXt's convolutional attention encoder): 13.5M parameters"));
register("backbone", "mscan_b", backbone(B, "MSCAN-B (SegNeXt's convolutional attention encoder): 26.3M parameters"));
register("backbone", "mscan_l", backbone(L, "MSCAN-L (SegNeXt's convolutional attention encoder): 44.6M parameters"));

register("model", "segnext_mscan_t", segnext(T, "SegNeXt-T (Guo 2022): MSCAN-T + light Hamburger (NMF) head (256); 4.3M parameters at 150 classes"));
register("model", "segnext_mscan_s", segnext(S, "SegNeXt-S (Guo 2022): MSCAN-S + light Hamburger (NMF) head (256); 13.9M parameters at 150 classes"));
register("model", "segnext_mscan_b", segnext(B, "SegNeXt-B (Guo 2022): MSCAN-B + light Hamburger (NMF) head (512); 27.6M parameters at 150 classes"));
register("model", "segnext_mscan_l", segnext(L, "SegNeXt-L (Guo 2022): MSCAN-L + light Hamburger (NMF) head (1024); 48.9M parameters at 150 classes"));

// The head's NMF draws new random bases in every forward, so the model is a random function: libtorch
// 1.13's tracer cannot record torch.rand (its overload with names is not supported) and a graph would
// not reproduce the model's numbers.
const NMF_NOT_EXPORTABLE = "LightHamHead's NMF draws random bases in every forward (torch.rand), which the tracer cannot record and no exported graph would reproduce";
registerNotExportable("segnext_mscan_t", NMF_NOT_EXPORTABLE);
registerNotExportable("segnext_mscan_s", NMF_NOT_EXPORTABLE);
registerNotExportable("segnext_mscan_b", NMF_NOT_EXPORTABLE);
registerNotExportable("segnext_mscan_l", NMF_NOT_EXPORTABLE);
