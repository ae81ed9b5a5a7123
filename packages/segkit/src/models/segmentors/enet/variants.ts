// ENet registered by the name configs use.
import { register } from "../../../config/registry.js";
import { SEGMENTOR_OPTIONS, type Segmentor } from "../segmentor.js";
import { ENet } from "./model.js";

register<Segmentor>("model", "enet", {
  options: [...SEGMENTOR_OPTIONS, "widths"],
  summary: "ENet (Paszke 2016): bottlenecks with dilated/asymmetric convs, unpooling decoder",
  build: (o) => new ENet(o as never),
});
