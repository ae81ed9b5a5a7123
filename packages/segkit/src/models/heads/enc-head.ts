// EncNet's head (Zhang et al. 2018, "Context Encoding for Semantic Segmentation") in mmsegmentation's
// layout and keys (mmseg/models/decode_heads/enc_head.py, without its optional lateral branch): a 3×3
// bottleneck, then the context encoding module — an encoding layer of numCodes codewords (+ BN1d,
// ReLU), averaged over the codewords, predicts channel-wise scales γ (fc + sigmoid) and the features
// become relu(x + x·γ) — then dropout and "conv_seg". With the semantic-encoding loss ("se_layer", on
// by default) training adds a binary cross-entropy between the encoded feature's class predictions
// and which classes the image contains, weighted 0.2 as in mmsegmentation's configs.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import { Encoding } from "../blocks/encoding.js";
import { DecodeHead, type HeadOptions, HEAD_CONFIG_OPTIONS } from "./decode-head.js";
import { register } from "../../config/registry.js";
import { classesPresent } from "../../losses/classes-present.js";

class EncModule extends nn.Module {
  readonly encoding_project: ConvBnAct;
  readonly encoding: nn.Sequential;
  readonly fc: nn.Sequential;

  constructor(channels: number, numCodes: number) {
    super();
    this.encoding_project = this.registerModule("encoding_project", new ConvBnAct(channels, channels, 1));
    this.encoding = this.registerModule("encoding", new nn.Sequential(new Encoding(channels, numCodes), new nn.BatchNorm1d(numCodes), new nn.ReLU()));
    this.fc = this.registerModule("fc", new nn.Sequential(new nn.Linear(channels, channels), new nn.Sigmoid()));
  }

  /** The encoded feature (N, C) and the rescaled features. */
  forward(x: Tensor): [Tensor, Tensor] {
    const encoded = this.encoding.call(this.encoding_project.call(x)).mean([1]);
    const gamma = this.fc.call(encoded).reshape([x.shape[0], x.shape[1], 1, 1]);
    return [encoded, x.add(x.mul(gamma)).relu()];
  }
}

export interface EncHeadOptions extends HeadOptions {
  inChannels: number;
  /** Default 512. */
  channels?: number;
  /** Default 32. */
  numCodes?: number;
  /** Default true: the "se_layer" and its loss. */
  useSeLoss?: boolean;
  /** Default 0.2. */
  seLossWeight?: number;
}

export class EncHead extends DecodeHead {
  readonly bottleneck: ConvBnAct;
  readonly enc_module: EncModule;
  readonly se_layer: nn.Linear | null;
  readonly #seLossWeight: number;

  constructor(options: EncHeadOptions) {
    super(options, -1);
    const { inChannels, channels = 512, numCodes = 32, useSeLoss = true, seLossWeight = 0.2 } = options;
    this.addClassifier(channels);
    this.bottleneck = this.registerModule("bottleneck", new ConvBnAct(inChannels, channels, 3));
    this.enc_module = this.registerModule("enc_module", new EncModule(channels, numCodes));
    this.se_layer = useSeLoss ? this.registerModule("se_layer", new nn.Linear(channels, this.numClasses)) : null;
    this.#seLossWeight = seLossWeight;
  }

  /** The segmentation logits and the encoded feature. */
  #run(features: Tensor[]): [Tensor, Tensor] {
    const [encoded, out] = this.enc_module.call(this.bottleneck.call(this.input(features)));
    return [this.classify(out), encoded];
  }

  forward(features: Tensor[]): Tensor {
    return this.#run(features)[0];
  }

  /** The segmentation logits and the semantic-encoding logits (N, numClasses): which classes the image holds. */
  outputs(features: Tensor[]): [Tensor, Tensor] {
    if (!this.se_layer) throw new Error("EncHead: outputs() needs useSeLoss (the se_layer)");
    const [logits, encoded] = this.#run(features);
    return [logits, this.se_layer.call(encoded)];
  }

  override trainLoss(features: Tensor[], target: Tensor): Record<string, Tensor> {
    if (!this.se_layer) return super.trainLoss(features, target);
    const [logits, seLogits] = this.outputs(features);
    const present = classesPresent(target, this.numClasses);
    const seLoss = torch.binaryCrossEntropyWithLogits(seLogits, present, null, null, 1).mul(this.#seLossWeight);
    return { [`${this.name}.loss`]: this.weightedLoss(logits, target), [`${this.name}.se.loss`]: seLoss };
  }
}

register<DecodeHead>("head", "enc", {
  options: [...HEAD_CONFIG_OPTIONS, "numCodes", "useSeLoss", "seLossWeight"],
  summary: "EncNet's context encoding head with the semantic-encoding loss (mmsegmentation's EncHead, its checkpoints' layout)",
  build: (o) => new EncHead(o as never),
});
