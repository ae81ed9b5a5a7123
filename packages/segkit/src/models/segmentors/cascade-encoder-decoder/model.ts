// mmsegmentation's EncoderDecoder and CascadeEncoderDecoder in its checkpoints' key layout
// ("backbone", "decode_head"), so its HRNet and OCRNet model-zoo weights load by name: a backbone, then
// decode head stages, each after the first reading the features and the previous stage's logits
// (OCRNet: an FCN head's logits are the OCR head's soft object regions). With one stage decode_head
// is that head, with more a list (decode_head.0, decode_head.1), as in mmseg. Every stage's loss is
// trained (mmseg's ocrnet configs: 0.4 for the FCN stage, 1 for the OCR stage); inference uses the last.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Backbone } from "../../backbones/backbone.js";
import type { DecodeHead } from "../../heads/decode-head.js";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor } from "../segmentor.js";

/** A stage after the first: logits from the features and the previous stage's logits. */
export type CascadeHead = DecodeHead & { forward(features: Tensor[], previous?: Tensor): Tensor };

export class CascadeEncoderDecoder extends Segmentor {
  readonly backbone: Backbone;
  readonly decode_head: DecodeHead | nn.ModuleList<DecodeHead>;
  readonly #stages: CascadeHead[];

  constructor(backbone: Backbone, stages: CascadeHead[]) {
    const last = stages.at(-1);
    if (!last) throw new RangeError("CascadeEncoderDecoder: needs at least one decode head");
    super({ numClasses: last.numClasses, ignoreIndex: last.ignoreIndex });
    this.backbone = this.registerModule("backbone", backbone);
    this.decode_head = this.registerModule("decode_head", stages.length === 1 ? stages[0] : new nn.ModuleList<DecodeHead>(stages));
    this.#stages = stages;
  }

  /** Each stage's logits, at the stages' strides. */
  #stageLogits(x: Tensor): Tensor[] {
    const features = this.backbone.call(x);
    const logits: Tensor[] = [];
    for (const stage of this.#stages) logits.push(stage.call(features, logits.at(-1)));
    return logits;
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    return resize(this.#stageLogits(x).at(-1)!, spatial(x));
  }

  /** The last stage's logits at the input size, then the earlier stages' logits at their strides. */
  forwardAll(x: Tensor): Tensor[] {
    return torch.tidy(() => {
      this.checkImage(x);
      const logits = this.#stageLogits(x);
      return [resize(logits.at(-1)!, spatial(x)), ...logits.slice(0, -1)];
    });
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const logits = this.#stageLogits(x);
    return Object.assign({}, ...this.#stages.map((stage, i) => stage.loss(logits[i], target))) as Record<string, Tensor>;
  }
}
