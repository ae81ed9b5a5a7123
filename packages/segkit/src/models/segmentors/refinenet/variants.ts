// RefineNet as data: the authors' RefineNet-101 (refinenet-pytorch's rf101) and Light-Weight
// RefineNet-50/101/152 (light-weight-refinenet's rf_lw50/101/152); widths can be overridden.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { REFINENET_OPTIONS, RefineNet, type RefineNetOptions } from "./model.js";

const OPTIONS = [...SEGMENTOR_OPTIONS, ...REFINENET_OPTIONS];

register<Segmentor>("model", "refinenet_r101", {
  options: OPTIONS,
  summary: "RefineNet (Lin 2017) on ResNet-101: multi-path refinement with residual conv units, multi-resolution fusion, chained residual pooling (authors' keys)",
  build: (o) => new RefineNet({ ...o, depth: 101 } as unknown as RefineNetOptions),
});

register<Segmentor>("model", "refinenet_lw_r50", {
  options: OPTIONS,
  summary: "Light-Weight RefineNet (Nekrasov 2018) on ResNet-50: 1×1 convs, no RCUs (authors' keys)",
  build: (o) => new RefineNet({ ...o, depth: 50, lightWeight: true } as unknown as RefineNetOptions),
});

register<Segmentor>("model", "refinenet_lw_r101", {
  options: OPTIONS,
  summary: "Light-Weight RefineNet (Nekrasov 2018) on ResNet-101 (authors' keys)",
  build: (o) => new RefineNet({ ...o, depth: 101, lightWeight: true } as unknown as RefineNetOptions),
});

register<Segmentor>("model", "refinenet_lw_r152", {
  options: OPTIONS,
  summary: "Light-Weight RefineNet (Nekrasov 2018) on ResNet-152 (authors' keys)",
  build: (o) => new RefineNet({ ...o, depth: 152, lightWeight: true } as unknown as RefineNetOptions),
});
