// DFANet A and B (Li 2019): the two backbone widths of the paper's Table 1.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { DFANET_OPTIONS, DFANet, type DFANetOptions } from "./model.js";

register<Segmentor>("model", "dfanet_a", {
  options: [...SEGMENTOR_OPTIONS, ...DFANET_OPTIONS],
  summary: "DFANet-A (Li 2019): three cascaded Xception-A backbones (enc2/3/4: 48/96/192), network- and feature-level reuse, fc attention",
  build: (o) => new DFANet({ channels: [48, 96, 192], ...o } as unknown as DFANetOptions),
});
register<Segmentor>("model", "dfanet_b", {
  options: [...SEGMENTOR_OPTIONS, ...DFANET_OPTIONS],
  summary: "DFANet-B (Li 2019): three cascaded Xception-B backbones (enc2/3/4: 32/64/128), network- and feature-level reuse, fc attention",
  build: (o) => new DFANet({ channels: [32, 64, 128], ...o } as unknown as DFANetOptions),
});
