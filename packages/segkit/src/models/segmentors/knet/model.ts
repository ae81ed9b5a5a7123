// K-Net for panoptic and instance segmentation (Zhang et al. 2021, the authors' knet_s3 panoptic
// configs): a kernel generating head gives features at stride 4 and class maps; N learned thing
// kernels (init_kernels, the proposals, without bias) and one kernel per stuff class (the stuff rows
// of the head's classifier) give the first masks; each update stage (class-update-head.ts) refines
// every kernel from the features under its binary mask, classifies it and predicts its next mask.
// Training matches the thing kernels to the thing segments; stuff kernels keep their class; the
// first masks and class maps have their own losses (criterion.ts). One set of predictions gives
// semantic, panoptic and instance results (inference.ts). The update stages, losses, matching and
// panoptic merging are the authors' (test/models-knet-panoptic-parity). Differences from the
// authors: the generating head is any decode head with decodeFeatures (UPerHead by default) instead
// of their FPN + semantic FPN wrapper with separate localization and segmentation convs; the first
// thing kernels are init_kernels' weights alone (theirs add the features under each first binary
// mask); the stages work at stride 4 (theirs at stride 8, masks upsampled ×2).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Backbone } from "../../backbones/backbone.js";
import type { KernelGenerateHead } from "../../heads/knet-head.js";
import type { InstancePrediction, PanopticOptions, PanopticPrediction } from "../maskformer/inference.js";
import type { MaskTarget } from "../maskformer/mask-matcher.js";
import { classMasks } from "../maskformer/model.js";
import { Segmentor, trainOutput, type TrainOutput } from "../segmentor.js";
import { ClassUpdateHead, type ClassUpdateHeadOptions } from "./class-update-head.js";
import { KernelCriterion, type KernelCriterionOptions, type KernelPredictions } from "./criterion.js";
import { kernelInstanceInference, kernelPanopticInference, KNET_PANOPTIC_THRESHOLDS } from "./inference.js";

export interface KNetPanopticOptions {
  backbone: Backbone;
  /** Built with the model's numClasses: its class maps get the first masks' seg loss, its classifier's stuff rows are the first stuff kernels. */
  generateHead: KernelGenerateHead;
  numClasses: number;
  ignoreIndex?: number;
  /** The stuff classes, one kernel each, in kernel order; every other class is a thing. */
  stuffClasses: number[];
  numProposals: number;
  numStages: number;
  stage: Omit<ClassUpdateHeadOptions, "channels" | "numClasses">;
  criterion?: Omit<KernelCriterionOptions, "numClasses" | "numProposals" | "stuffClasses">;
}

export class KNetPanoptic extends Segmentor {
  readonly backbone: Backbone;
  readonly kernel_generate_head: KernelGenerateHead;
  readonly init_kernels: nn.Conv2d;
  readonly mask_head: nn.ModuleList<ClassUpdateHead>;
  readonly criterion: KernelCriterion;
  readonly numProposals: number;
  readonly stuffClasses: number[];
  /** What `segkit eval --task panoptic` passes to predictPanoptic: the authors' K-Net thresholds. */
  readonly panopticThresholds = KNET_PANOPTIC_THRESHOLDS;

  constructor({ backbone, generateHead, numClasses, ignoreIndex, stuffClasses, numProposals, numStages, stage, criterion = {} }: KNetPanopticOptions) {
    super({ numClasses, ignoreIndex, divisor: Math.max(...backbone.strides) });
    if (stuffClasses.length === 0 || new Set(stuffClasses).size !== stuffClasses.length || !stuffClasses.every((c) => Number.isInteger(c) && c >= 0 && c < numClasses)) {
      throw new RangeError(`KNetPanoptic: stuffClasses must be distinct class indices in [0, ${numClasses}), at least one, got ${JSON.stringify(stuffClasses)}`);
    }
    if (generateHead.numClasses !== numClasses) throw new RangeError(`KNetPanoptic: the generating head has ${generateHead.numClasses} classes, ${numClasses} wanted`);
    if (!(Number.isInteger(numProposals) && numProposals >= 1)) throw new RangeError(`KNetPanoptic: numProposals must be an integer ≥ 1, got ${numProposals}`);
    this.numProposals = numProposals;
    this.stuffClasses = stuffClasses;
    this.backbone = this.registerModule("backbone", backbone);
    this.kernel_generate_head = this.registerModule("kernel_generate_head", generateHead);
    const c = generateHead.channels;
    this.init_kernels = this.registerModule("init_kernels", new nn.Conv2d(c, numProposals, 1, { bias: false }));
    this.mask_head = this.registerModule("mask_head", new nn.ModuleList(Array.from({ length: numStages }, () => new ClassUpdateHead({ ...stage, channels: c, numClasses }))));
    this.criterion = new KernelCriterion({ ...criterion, numClasses, numProposals, stuffClasses });
  }

  /** Every update stage's class logits (stages, B, N+S, K) and mask logits (stages, B, N+S, H/4, W/4), thing kernels first, then stuff; and the first masks. */
  predictions(x: Tensor): KernelPredictions {
    this.checkImage(x);
    return torch.tidy(() => {
      const generator = this.kernel_generate_head;
      const features = generator.decodeFeatures(this.backbone.call(x));
      const semantic = generator.classify(features);
      const stuff = torch.tensor(this.stuffClasses, { dtype: "int64" });
      const masks = torch.cat([this.init_kernels.call(features), semantic.indexSelect(1, stuff)], 1);
      const kernels = torch.cat([this.init_kernels.weight.flatten(1), generator.classifierWeight.flatten(1).indexSelect(0, stuff)]).unsqueeze(0).expand([x.shape[0], -1, -1]);
      return { ...this.stages(features, kernels, masks), initial: masks, semantic };
    });
  }

  /** The update stages on features (B, C, h, w) from kernels (B, N+S, C) and their masks (B, N+S, h, w): every stage's class and mask logits. */
  stages(features: Tensor, kernels: Tensor, masks: Tensor): Pick<KernelPredictions, "logits" | "masks"> {
    return torch.tidy(() => {
      const logits: Tensor[] = [];
      const allMasks: Tensor[] = [];
      for (const stage of this.mask_head) {
        [masks, kernels] = stage.call(features, kernels, masks);
        logits.push(stage.classify(kernels));
        allMasks.push(masks);
      }
      return { logits: torch.stack(logits), masks: torch.stack(allMasks) };
    });
  }

  /** Per-class maps (N, K, H, W) at the input's size: Σ over kernels of sigmoid class score × sigmoid mask; argmax gives the labels. */
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const { scores, masks } = this.#final(x);
      return torch.einsum("bqk,bqhw->bkhw", [scores, masks.sigmoid()]);
    });
  }

  /** Panoptic segments of each image at its size, without gradients. */
  predictPanoptic(x: Tensor, options: PanopticOptions): PanopticPrediction[] {
    return torch.tidy(() => torch.noGrad(() => {
      const { logits, masks } = this.predictions(x);
      const last = logits.shape[0] - 1;
      // The authors resize mask probabilities, not logits, for panoptic results.
      const probs = nn.functional.interpolate(masks.select(0, last).sigmoid(), { size: x.shape.slice(2), mode: "bilinear", alignCorners: false });
      const scores = logits.select(0, last).sigmoid();
      return Array.from({ length: x.shape[0] }, (_, b) => kernelPanopticInference(scores.select(0, b), probs.select(0, b), this.numProposals, this.stuffClasses, options));
    }));
  }

  /** The topK instances of each image from the thing kernels; thingsOnly drops classes it marks false. */
  predictInstances(x: Tensor, topK: number, thingsOnly: boolean[] | null = null): InstancePrediction[] {
    return torch.tidy(() => torch.noGrad(() => {
      const { scores, masks } = this.#final(x);
      return Array.from({ length: x.shape[0] }, (_, b) => kernelInstanceInference(scores.select(0, b), masks.select(0, b), this.numProposals, topK, thingsOnly));
    }));
  }

  // The last stage's sigmoid class scores (B, N+S, K) and mask logits upsampled (bilinear) to the input's size.
  #final(x: Tensor): { scores: Tensor; masks: Tensor } {
    return torch.tidy(() => {
      const { logits, masks } = this.predictions(x);
      const last = logits.shape[0] - 1;
      return { scores: logits.select(0, last).sigmoid(), masks: nn.functional.interpolate(masks.select(0, last), { size: x.shape.slice(2), mode: "bilinear", alignCorners: false }) };
    });
  }

  /** Training on segments: the weighted parts of every stage and their sum. Masks are at the input's size. */
  forwardTrainSegments(x: Tensor, targets: MaskTarget[]): TrainOutput {
    return torch.tidy(() => trainOutput(this.criterion.losses(this.predictions(x), targets)));
  }

  /** Semantic labels become one target per class present: stuff classes go to their kernels, the others are matched as things. */
  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    return torch.tidy(() => this.criterion.losses(this.predictions(x), classMasks(target, this.numClasses)));
  }
}
