// SegNeXt (Guo et al. 2022): the MSCAN encoder and the light Hamburger head on its last three stages,
// logits upsampled to the input. Keys as mmsegmentation's EncoderDecoder ("backbone.*",
// "decode_head.*"), so its SegNeXt checkpoints load as they are; key-map.ts renames the authors'.
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "../../blocks/resize.js";
import { MSCAN, type MSCANOptions } from "../../backbones/mscan/mscan.js";
import { withPretrained } from "../../backbones/pretrained.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { LightHamHead } from "./head.js";
import type { NMFOptions } from "./nmf.js";

export interface SegNeXtOptions extends Omit<SegmentorOptions, "divisor">, MSCANOptions, NMFOptions {
  /** Head width (ham_channels = channels: 256 for T/S, 512 for B, 1024 for L). */
  decoderChannels: number;
  /** Dropout before the classifier (0.1). */
  dropoutRatio?: number;
  /** MSCAN weights for the backbone (mmseg's mscan_*.pth, or a whole SegNeXt checkpoint's "backbone." part), as a backbone's pretrained option. */
  pretrained?: string;
  /** A key map for them (segnext_official for the authors' files). */
  pretrainedMap?: string;
}

export class SegNeXt extends Segmentor {
  readonly backbone: MSCAN;
  readonly decode_head: LightHamHead;

  constructor({ numClasses, ignoreIndex, loss, decoderChannels, dropoutRatio, channelGroups, rank, trainSteps, evalSteps, randInit, oneStepGradient, pretrained, pretrainedMap, ...encoder }: SegNeXtOptions) {
    // Every conv is padded, so any size works.
    super({ numClasses, ignoreIndex, loss, divisor: 1 });
    // The backbone first: a bad weights file then leaves nothing else allocated.
    this.backbone = this.registerModule("backbone", withPretrained(new MSCAN(encoder), { pretrained, pretrainedMap }, "SegNeXt backbone"));
    this.decode_head = this.registerModule("decode_head", new LightHamHead({
      numClasses, ignoreIndex: this.ignoreIndex, inChannels: this.backbone.outChannels.slice(1), hamChannels: decoderChannels,
      channels: decoderChannels, dropoutRatio, nmf: { channelGroups, rank, trainSteps, evalSteps, randInit, oneStepGradient },
    }));
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    return resize(this.decode_head.call(this.backbone.call(x)), spatial(x));
  }
}
