// OCNet's object context (Yuan and Wang 2018, "OCNet: Object Context Network for Scene Parsing") in
// the authors' layout and keys (github:openseg-group/OCNet.pytorch, oc_module/base_oc_block.py and
// asp_oc_block.py). Their norm is InPlaceABN: BatchNorm then leaky ReLU (slope 0.01).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** InPlaceABN's computation: BatchNorm2d (its keys), then leaky ReLU of slope 0.01. */
export class ActivatedBatchNorm extends nn.BatchNorm2d {
  override forward(x: Tensor): Tensor {
    return torch.leakyRelu(super.forward(x), 0.01);
  }
}

/**
 * Object context pooling: every position attends to every position, with one shared projection for
 * keys and queries ("f_key", also named "f_query"), similarities scaled by 1/√keyChannels, values
 * "f_value", output "W". With scale > 1 it attends on a max-pooled map and upsamples the context
 * (bilinear, corners aligned).
 */
export class ObjectContextPooling extends nn.Module {
  readonly f_key: nn.Sequential;
  readonly f_value: nn.Conv2d;
  readonly W: nn.Conv2d;
  readonly #keyChannels: number;
  readonly #scale: number;

  constructor(inChannels: number, keyChannels: number, valueChannels: number, outChannels: number, scale = 1) {
    super();
    this.#keyChannels = keyChannels;
    this.#scale = scale;
    this.f_key = this.registerModule("f_key", new nn.Sequential(new nn.Conv2d(inChannels, keyChannels, 1), new ActivatedBatchNorm(keyChannels)));
    // The authors' f_query is f_key itself: one module under both names, as in their state dicts.
    this.registerModule("f_query", this.f_key);
    this.f_value = this.registerModule("f_value", new nn.Conv2d(inChannels, valueChannels, 1));
    this.W = this.registerModule("W", new nn.Conv2d(valueChannels, outChannels, 1));
  }

  forward(input: Tensor): Tensor {
    const x = this.#scale > 1 ? torch.maxPool2d(input, [this.#scale, this.#scale], [this.#scale, this.#scale]) : input;
    const [n, , h, w] = x.shape;
    const key = this.f_key.call(x).flatten(2);
    const similarity = key.transpose(1, 2).matmul(key).mul(this.#keyChannels ** -0.5).softmax(-1);
    const context = this.W.call(similarity.matmul(this.f_value.call(x).flatten(2).transpose(1, 2)).transpose(1, 2).reshape([n, -1, h, w]));
    return this.#scale > 1 ? torch.upsampleBilinear2d(context, input.shape.slice(2), true) : context;
  }
}

/** The base OC module: the object context concatenated before the input, fused by a 1×1 conv + ABN + dropout. */
export class BaseOCModule extends nn.Module {
  readonly stages: nn.ModuleList<ObjectContextPooling>;
  readonly conv_bn_dropout: nn.Sequential;

  constructor(channels: number, keyChannels: number, valueChannels: number, dropout: number) {
    super();
    this.stages = this.registerModule("stages", new nn.ModuleList([new ObjectContextPooling(channels, keyChannels, valueChannels, channels)]));
    this.conv_bn_dropout = this.registerModule("conv_bn_dropout", new nn.Sequential(
      new nn.Conv2d(2 * channels, channels, 1), new ActivatedBatchNorm(channels), new nn.Dropout2d(dropout)));
  }

  forward(x: Tensor): Tensor {
    return this.conv_bn_dropout.call(torch.cat([this.stages.at(0).call(x), x], 1));
  }
}

/** The context-only OC module of ASP-OC: the object context at half resolution, then a 1×1 conv + ABN. */
class OCContextModule extends nn.Module {
  readonly stages: nn.ModuleList<ObjectContextPooling>;
  readonly conv_bn_dropout: nn.Sequential;

  constructor(channels: number) {
    super();
    this.stages = this.registerModule("stages", new nn.ModuleList([new ObjectContextPooling(channels, channels / 2, channels, channels, 2)]));
    this.conv_bn_dropout = this.registerModule("conv_bn_dropout", new nn.Sequential(new nn.Conv2d(channels, channels, 1), new ActivatedBatchNorm(channels)));
  }

  forward(x: Tensor): Tensor {
    return this.conv_bn_dropout.call(this.stages.at(0).call(x));
  }
}

function convAbn(inChannels: number, outChannels: number, kernelSize: number, dilation: number, bias: boolean): nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(inChannels, outChannels, kernelSize, { padding: dilation * (kernelSize >> 1), dilation, bias }), new ActivatedBatchNorm(outChannels));
}

/**
 * ASP-OC: ASPP with its 3×3 branch replaced by object context — the context branch, a 1×1 branch and
 * three 3×3 branches dilated 12/24/36, concatenated and fused to 2 × channels (1×1 conv, ABN, dropout 0.1).
 */
export class ASPOCModule extends nn.Module {
  readonly context: nn.Sequential;
  readonly conv2: nn.Sequential;
  readonly conv3: nn.Sequential;
  readonly conv4: nn.Sequential;
  readonly conv5: nn.Sequential;
  readonly conv_bn_dropout: nn.Sequential;

  constructor(inChannels: number, channels: number, dilations: [number, number, number] = [12, 24, 36]) {
    super();
    this.context = this.registerModule("context", new nn.Sequential(...convAbn(inChannels, channels, 3, 1, true), new OCContextModule(channels)));
    this.conv2 = this.registerModule("conv2", convAbn(inChannels, channels, 1, 1, false));
    this.conv3 = this.registerModule("conv3", convAbn(inChannels, channels, 3, dilations[0], false));
    this.conv4 = this.registerModule("conv4", convAbn(inChannels, channels, 3, dilations[1], false));
    this.conv5 = this.registerModule("conv5", convAbn(inChannels, channels, 3, dilations[2], false));
    this.conv_bn_dropout = this.registerModule("conv_bn_dropout", new nn.Sequential(
      new nn.Conv2d(5 * channels, 2 * channels, 1, { bias: false }), new ActivatedBatchNorm(2 * channels), new nn.Dropout2d(0.1)));
  }

  forward(x: Tensor): Tensor {
    const branches = [this.context, this.conv2, this.conv3, this.conv4, this.conv5].map((b) => b.call(x));
    return this.conv_bn_dropout.call(torch.cat(branches, 1));
  }
}
