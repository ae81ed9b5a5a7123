// PIDNet variants by name (the authors' get_seg_model in models/pidnet.py); configs may override the
// widths, as the tests do for tiny models.
import { register } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import { PIDNet, type PIDNetOptions } from "./model.js";

const OPTIONS = ["numClasses", "ignoreIndex", "loss", "planes", "ppmPlanes", "headPlanes"];

register<Segmentor>("model", "pidnet_s", {
  options: OPTIONS,
  summary: "PIDNet-S (Xu 2023): P, I and D branches with PAG, PAPPM, Light-Bag and boundary supervision; 7.6M parameters without the training-only heads",
  build: (o) => new PIDNet({ m: 2, n: 3, planes: 32, ppmPlanes: 96, headPlanes: 128, ...o } as PIDNetOptions),
});
register<Segmentor>("model", "pidnet_m", {
  options: OPTIONS,
  summary: "PIDNet-M (Xu 2023): PIDNet-S at twice the width; 28.5M parameters without the training-only heads (the paper says 34.4M)",
  build: (o) => new PIDNet({ m: 2, n: 3, planes: 64, ppmPlanes: 96, headPlanes: 128, ...o } as PIDNetOptions),
});
register<Segmentor>("model", "pidnet_l", {
  options: OPTIONS,
  summary: "PIDNet-L (Xu 2023): deeper PIDNet-M with DAPPM and Bag; 36.9M parameters without the training-only heads",
  build: (o) => new PIDNet({ m: 3, n: 4, planes: 64, ppmPlanes: 112, headPlanes: 256, ...o } as PIDNetOptions),
});
