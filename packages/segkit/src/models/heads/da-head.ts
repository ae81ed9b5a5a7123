// DANet's head (Fu et al. 2019, "Dual Attention Network for Scene Segmentation") in mmsegmentation's
// layout and keys (mmseg/models/decode_heads/da_head.py): a position attention branch (PAM: every
// pixel attends to every pixel) and a channel attention branch (CAM: every channel attends to every
// channel), each between two 3×3 ConvModules with its own classifier; the sum of the two branches
// goes to "conv_seg". Training adds the three losses (pam_cam, pam, cam); inference uses pam_cam.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import { Scale } from "../blocks/scale.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";

/** Position attention: softmax(QᵀK) over positions mixes the values, scaled by gamma (0 at first), plus the input. */
class PositionAttention extends nn.Module {
  readonly key_project: nn.Conv2d;
  readonly query_project: nn.Conv2d;
  readonly value_project: nn.Conv2d;
  readonly gamma = this.registerModule("gamma", new Scale(0));

  constructor(channels: number, keyChannels: number) {
    super();
    this.key_project = this.registerModule("key_project", new nn.Conv2d(channels, keyChannels, 1));
    this.query_project = this.registerModule("query_project", new nn.Conv2d(channels, keyChannels, 1));
    this.value_project = this.registerModule("value_project", new nn.Conv2d(channels, channels, 1));
  }

  forward(x: Tensor): Tensor {
    const [n, c, h, w] = x.shape;
    const query = this.query_project.call(x).flatten(2).transpose(1, 2);
    const key = this.key_project.call(x).flatten(2);
    const value = this.value_project.call(x).flatten(2).transpose(1, 2);
    const context = query.matmul(key).softmax(-1).matmul(value).transpose(1, 2).reshape([n, c, h, w]);
    return this.gamma.call(context).add(x);
  }
}

/**
 * Channel attention: softmax over (rowmax − XXᵀ) mixes the channels, scaled by gamma (0 at first),
 * plus the input. The row maximum shifts every logit of a row alike, which softmax ignores, so it is
 * softmax(−XXᵀ) (and exports without a max reduction).
 */
class ChannelAttention extends nn.Module {
  readonly gamma = this.registerModule("gamma", new Scale(0));

  forward(x: Tensor): Tensor {
    const flat = x.flatten(2);
    const attention = flat.matmul(flat.transpose(1, 2)).mul(-1).softmax(-1);
    return this.gamma.call(attention.matmul(flat).reshape(x.shape)).add(x);
  }
}

export interface DAHeadOptions extends HeadOptions {
  inChannels: number;
  /** Default 512. */
  channels?: number;
  /** Query/key channels of the position attention (default 64). */
  pamChannels?: number;
}

export class DAHead extends DecodeHead {
  readonly pam_in_conv: ConvBnAct;
  readonly pam: PositionAttention;
  readonly pam_out_conv: ConvBnAct;
  readonly pam_conv_seg: nn.Conv2d;
  readonly cam_in_conv: ConvBnAct;
  readonly cam: ChannelAttention;
  readonly cam_out_conv: ConvBnAct;
  readonly cam_conv_seg: nn.Conv2d;

  constructor(options: DAHeadOptions) {
    super(options, -1);
    const { inChannels, channels = 512, pamChannels = 64 } = options;
    this.addClassifier(channels);
    this.pam_in_conv = this.registerModule("pam_in_conv", new ConvBnAct(inChannels, channels, 3));
    this.pam = this.registerModule("pam", new PositionAttention(channels, pamChannels));
    this.pam_out_conv = this.registerModule("pam_out_conv", new ConvBnAct(channels, channels, 3));
    this.pam_conv_seg = this.registerModule("pam_conv_seg", new nn.Conv2d(channels, this.numClasses, 1));
    this.cam_in_conv = this.registerModule("cam_in_conv", new ConvBnAct(inChannels, channels, 3));
    this.cam = this.registerModule("cam", new ChannelAttention());
    this.cam_out_conv = this.registerModule("cam_out_conv", new ConvBnAct(channels, channels, 3));
    this.cam_conv_seg = this.registerModule("cam_conv_seg", new nn.Conv2d(channels, this.numClasses, 1));
  }

  /** The logits of the fused branches (pam_cam), of the position branch and of the channel branch. */
  branches(features: Tensor[]): [Tensor, Tensor, Tensor] {
    const x = this.input(features);
    const pam = this.pam_out_conv.call(this.pam.call(this.pam_in_conv.call(x)));
    const cam = this.cam_out_conv.call(this.cam.call(this.cam_in_conv.call(x)));
    return [this.classify(pam.add(cam)), this.pam_conv_seg.call(this.applyDropout(pam)), this.cam_conv_seg.call(this.applyDropout(cam))];
  }

  forward(features: Tensor[]): Tensor {
    return this.branches(features)[0];
  }

  override trainLoss(features: Tensor[], target: Tensor): Record<string, Tensor> {
    const [pamCam, pam, cam] = this.branches(features);
    return {
      [`${this.name}.pam_cam.loss`]: this.weightedLoss(pamCam, target),
      [`${this.name}.pam.loss`]: this.weightedLoss(pam, target),
      [`${this.name}.cam.loss`]: this.weightedLoss(cam, target),
    };
  }
}

register<DecodeHead>("head", "da", {
  options: [...HEAD_CONFIG_OPTIONS, "pamChannels"], summary: "DANet's position + channel attention head (mmsegmentation's DAHead, its checkpoints' layout)",
  build: (o) => new DAHead(o as never),
});
