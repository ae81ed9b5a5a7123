// The generic "encoder_decoder" model: backbone → neck? → decode head (+ auxiliary heads), each from
// its own config; a head's inChannels (and strides) default to those of what it reads.
import { build, builderOf, register, type Config } from "../../../config/registry.js";
import type { Backbone } from "../../backbones/backbone.js";
import type { DecodeHead, HeadOptions } from "../../heads/decode-head.js";
import type { Segmentor } from "../segmentor.js";
import { EncoderDecoder, type Neck } from "./model.js";

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
  const index = (merged.inIndex ?? (["fpn", "uper", "knet"].includes(merged.type) ? all : -1)) as number | number[];
  const pick = (list: number[]): number | (number | undefined)[] | undefined =>
    Array.isArray(index) ? index.map((i) => list.at(i)) : list.at(index);
  merged.inChannels ??= pick(source.outChannels);
  if (accepts.includes("strides")) merged.strides ??= pick(source.strides);
  return build<DecodeHead>("head", merged, where);
}

register<Segmentor>("model", "encoder_decoder", {
  options: ["numClasses", "ignoreIndex", "backbone", "neck", "head", "auxiliary"],
  summary: "backbone → neck? → decode head (+ auxiliary heads), from configs",
  build: (o) => {
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
