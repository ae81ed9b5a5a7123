// K-Net as mmsegmentation's knet-s3_r50-d8_upernet config composes it: ResNetV1c-50 (deep stem, no
// dilation), a K-Net head of 3 stages over a UPerHead of 512 channels (updators of 256, 8 attention
// heads, feed-forward 2048, one mask fc) and, in training, the FCN auxiliary head (256 channels,
// weight 0.4) on the third level. knet_s3_upernet_r18_tiny is the same composition at the widths of
// the parity fixture (test/fixtures/knet_make_golden.py), for tests and quick runs.
import { build, register, type Builder, type Config } from "../../../config/registry.js";
import type { Segmentor } from "../segmentor.js";
import "../../heads/knet-head.js";
import "../../heads/fcn-head.js";
import "./from-config.js";

interface Widths {
  backbone: Config;
  channels: number;
  updatorChannels: number;
  numHeads: number;
  feedforwardChannels: number;
  auxChannels: number;
}

function knet(summary: string, w: Widths): Builder<Segmentor> {
  return {
    options: ["numClasses", "ignoreIndex", "auxLoss"],
    summary,
    build: ({ auxLoss = true, ...o }, where) => build<Segmentor>("model", {
      type: "encoder_decoder", ...o, backbone: w.backbone,
      head: {
        type: "knet", generateHead: { type: "uper", channels: w.channels }, updatorChannels: w.updatorChannels,
        numHeads: w.numHeads, feedforwardChannels: w.feedforwardChannels
      },
      auxiliary: auxLoss ? [{ type: "fcn", inIndex: 2, channels: w.auxChannels }] : [],
    }, where),
  };
}

register("model", "knet_s3_upernet_r50", knet("K-Net (3 stages) over UPerNet on ResNetV1c-50 (mmseg's knet-s3_r50-d8_upernet)", {
  backbone: { type: "resnet50", deepStem: true }, channels: 512, updatorChannels: 256, numHeads: 8, feedforwardChannels: 2048, auxChannels: 256,
}));
register("model", "knet_s3_upernet_r18_tiny", knet("K-Net (3 stages) over UPerNet on a ResNetV1c-18 of width 4, UPerHead 16: the parity fixture's widths", {
  backbone: { type: "resnet18", deepStem: true, width: 4 }, channels: 16, updatorChannels: 8, numHeads: 2, feedforwardChannels: 32, auxChannels: 4,
}));
