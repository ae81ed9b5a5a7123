// MiT-B0…B5 and SegFormer-B0…B5 as data, from the authors' mix_transformer.py (mit_b0…mit_b5) and
// local_configs/segformer/B*/ (decoder width 256 for B0/B1, 768 for B2–B5). Configs may override the
// widths and depths, as the tests do for reduced models.
import { register } from "../../../config/registry.js";
import type { Backbone } from "../../backbones/backbone.js";
import { MixVisionTransformer, type MiTOptions } from "../../backbones/mit/mit.js";
import type { Segmentor } from "../segmentor.js";
import { SegFormer, type SegFormerOptions } from "./model.js";

const B0 = { embedDims: [32, 64, 160, 256], depths: [2, 2, 2, 2] };
const B1 = { embedDims: [64, 128, 320, 512], depths: [2, 2, 2, 2] };
const B2 = { embedDims: [64, 128, 320, 512], depths: [3, 4, 6, 3] };
const B3 = { embedDims: [64, 128, 320, 512], depths: [3, 4, 18, 3] };
const B4 = { embedDims: [64, 128, 320, 512], depths: [3, 8, 27, 3] };
const B5 = { embedDims: [64, 128, 320, 512], depths: [3, 6, 40, 3] };

const MIT_OPTIONS = ["embedDims", "depths", "numHeads", "srRatios", "mlpRatio", "dropPathRate"];
const SEGFORMER_OPTIONS = ["numClasses", "ignoreIndex", "loss", "decoderChannels", "dropoutRatio", ...MIT_OPTIONS];

const mit = (o: Record<string, unknown>, preset: MiTOptions) => new MixVisionTransformer({ ...preset, ...o } as MiTOptions);
const segformer = (o: Record<string, unknown>, preset: MiTOptions, decoderChannels: number) =>
  new SegFormer({ ...preset, decoderChannels, ...o } as SegFormerOptions);

register<Backbone>("backbone", "mit_b0", { options: MIT_OPTIONS, summary: "MiT-B0 (SegFormer's Mix Transformer): 3.3M parameters", build: (o) => mit(o, B0) });
register<Backbone>("backbone", "mit_b1", { options: MIT_OPTIONS, summary: "MiT-B1 (SegFormer's Mix Transformer): 13.2M parameters", build: (o) => mit(o, B1) });
register<Backbone>("backbone", "mit_b2", { options: MIT_OPTIONS, summary: "MiT-B2 (SegFormer's Mix Transformer): 24.2M parameters", build: (o) => mit(o, B2) });
register<Backbone>("backbone", "mit_b3", { options: MIT_OPTIONS, summary: "MiT-B3 (SegFormer's Mix Transformer): 44.0M parameters", build: (o) => mit(o, B3) });
register<Backbone>("backbone", "mit_b4", { options: MIT_OPTIONS, summary: "MiT-B4 (SegFormer's Mix Transformer): 60.8M parameters", build: (o) => mit(o, B4) });
register<Backbone>("backbone", "mit_b5", { options: MIT_OPTIONS, summary: "MiT-B5 (SegFormer's Mix Transformer): 81.4M parameters", build: (o) => mit(o, B5) });

register<Segmentor>("model", "segformer_b0", { options: SEGFORMER_OPTIONS, summary: "SegFormer-B0 (Xie 2021): MiT-B0 + all-MLP head (256); 3.8M parameters at 150 classes", build: (o) => segformer(o, B0, 256) });
register<Segmentor>("model", "segformer_b1", { options: SEGFORMER_OPTIONS, summary: "SegFormer-B1 (Xie 2021): MiT-B1 + all-MLP head (256); 13.7M parameters at 150 classes", build: (o) => segformer(o, B1, 256) });
register<Segmentor>("model", "segformer_b2", { options: SEGFORMER_OPTIONS, summary: "SegFormer-B2 (Xie 2021): MiT-B2 + all-MLP head (768); 27.5M parameters at 150 classes", build: (o) => segformer(o, B2, 768) });
register<Segmentor>("model", "segformer_b3", { options: SEGFORMER_OPTIONS, summary: "SegFormer-B3 (Xie 2021): MiT-B3 + all-MLP head (768); 47.3M parameters at 150 classes", build: (o) => segformer(o, B3, 768) });
register<Segmentor>("model", "segformer_b4", { options: SEGFORMER_OPTIONS, summary: "SegFormer-B4 (Xie 2021): MiT-B4 + all-MLP head (768); 64.1M parameters at 150 classes", build: (o) => segformer(o, B4, 768) });
register<Segmentor>("model", "segformer_b5", { options: SEGFORMER_OPTIONS, summary: "SegFormer-B5 (Xie 2021): MiT-B5 + all-MLP head (768); 84.7M parameters at 150 classes", build: (o) => segformer(o, B5, 768) });
