// HRNetV2's backbone (Wang et al., TPAMI 2020): a stride-4 stem (two strided 3×3 conv-BN-ReLU), stage 1
// of Bottlenecks on one branch, then stages 2–4 of high-resolution modules on 2, 3, 4 parallel
// branches (strides 4, 8, 16, 32), each new branch made from the lowest one by a strided 3×3 conv
// ("transition"). Returns all four branches, as HRNetV2 heads read them. Keys are mmsegmentation's
// (mmseg/models/backbones/hrnet.py), which are also those of timm's hrnet.py and of the HRNet authors'
// code: conv1, bn1, conv2, bn2, layer1, transition1..3, stage2..4.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../backbone.js";
import { checkWidth } from "../../blocks/check-width.js";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { Bottleneck } from "../resnet/blocks.js";
import { FUSE_UPSAMPLE, HRModule, type FuseUpsample } from "./hr-module.js";

/** One stage: how many HR modules, and per branch its residual blocks and channels. */
export interface HRStage {
  modules: number;
  blocks: number[];
  channels: number[];
}

export interface HRNetOptions {
  /** Stages 1–4 with 1, 2, 3, 4 branches; stage 1 is Bottlenecks (its channels are their planes), the rest BasicBlocks. */
  stages: HRStage[];
  inChannels?: number;
  /** Default "bilinear" (mmsegmentation's); "nearest" as timm's classification HRNet, "aligned" as the authors' HRNet-OCR. */
  fuseUpsample?: FuseUpsample;
}

const STEM = 64;

function checkStages(stages: HRStage[]): void {
  if (!Array.isArray(stages) || stages.length !== 4) throw new RangeError(`HRNet: stages must list 4 stages, got ${JSON.stringify(stages)}`);
  stages.forEach((s, i) => {
    const where = `stages[${i}]`;
    checkWidth("HRNet", `${where}.modules`, s.modules);
    if (!Array.isArray(s.blocks) || !Array.isArray(s.channels) || s.blocks.length !== i + 1 || s.channels.length !== i + 1) {
      throw new RangeError(`HRNet: ${where} must have ${i + 1} branch(es) in blocks and channels, got ${JSON.stringify(s)}`);
    }
    checkWidth("HRNet", `${where}.blocks`, s.blocks);
    checkWidth("HRNet", `${where}.channels`, s.channels);
    // mmseg's and timm's transitions feed a changed existing branch from the lowest one: only branch
    // 0 after stage 1 may change width.
    if (i >= 2 && s.channels.slice(0, i).some((c, b) => c !== stages[i - 1].channels[b])) {
      throw new RangeError(`HRNet: ${where}.channels must keep the previous stage's widths [${stages[i - 1].channels}] on its first ${i} branches`);
    }
  });
}

/** Branches `from` → `to`: a 3×3 conv-BN-ReLU where an existing branch changes width; new ones from the lowest by strided steps. */
function transition(from: number[], to: number[]): nn.ModuleDict {
  const layers = new nn.ModuleDict();
  to.forEach((c, i) => {
    if (i < from.length) {
      if (c !== from[i]) layers.set(String(i), new ConvNormAct(from[i], c, 3));
      return;
    }
    const last = from[from.length - 1];
    const steps = i + 1 - from.length;
    layers.set(String(i), new nn.Sequential(...Array.from({ length: steps }, (_, j) =>
      new ConvNormAct(last, j === steps - 1 ? c : last, 3, { stride: 2 }))));
  });
  return layers;
}

export class HRNet extends Backbone {
  readonly outChannels: number[];
  readonly strides = [4, 8, 16, 32];
  readonly #stem: nn.Sequential;
  readonly #layer1: nn.Sequential;
  readonly #transitions: nn.ModuleDict[] = [];
  readonly #stages: nn.ModuleList<HRModule>[] = [];

  constructor({ stages, inChannels = 3, fuseUpsample = "bilinear" }: HRNetOptions) {
    super();
    checkStages(stages);
    if (!FUSE_UPSAMPLE.includes(fuseUpsample)) throw new RangeError(`HRNet: fuseUpsample must be one of ${FUSE_UPSAMPLE.map((m) => `"${m}"`).join(", ")}, got ${JSON.stringify(fuseUpsample)}`);
    const conv = (cin: number): nn.Conv2d => new nn.Conv2d(cin, STEM, 3, { stride: 2, padding: 1, bias: false });
    this.#stem = new nn.Sequential(
      this.registerModule("conv1", conv(inChannels)), this.registerModule("bn1", new nn.BatchNorm2d(STEM)), new nn.ReLU(),
      this.registerModule("conv2", conv(STEM)), this.registerModule("bn2", new nn.BatchNorm2d(STEM)), new nn.ReLU());
    const [first, ...rest] = stages;
    const planes = first.channels[0];
    const out = planes * Bottleneck.expansion;
    const downsample = out === STEM ? null : new nn.Sequential(new nn.Conv2d(STEM, out, 1, { bias: false }), new nn.BatchNorm2d(out));
    this.#layer1 = this.registerModule("layer1", new nn.Sequential(new Bottleneck(STEM, planes, { stride: 1, dilation: 1, downsample })));
    for (let b = 1; b < first.blocks[0]; b++) this.#layer1.append(new Bottleneck(out, planes, { stride: 1, dilation: 1, downsample: null }));
    let previous = [out];
    rest.forEach((stage, i) => {
      this.#transitions.push(this.registerModule(`transition${i + 1}`, transition(previous, stage.channels)));
      // After the transition every branch has the stage's width.
      const modules = Array.from({ length: stage.modules }, () => new HRModule(stage.channels, stage.blocks, fuseUpsample));
      this.#stages.push(this.registerModule(`stage${i + 2}`, new nn.ModuleList(modules)));
      previous = stage.channels;
    });
    this.outChannels = previous;
  }

  /** The four branches' outputs, strides 4, 8, 16, 32. */
  forward(x: Tensor): Tensor[] {
    let ys = [this.#layer1.call(this.#stem.call(x))];
    this.#stages.forEach((stage, s) => {
      const transition = this.#transitions[s];
      // A transition reads the lowest branch (the only one, before stage 2) unless it has no module.
      let xs = Array.from({ length: stage.at(0).branches.length }, (_, b) =>
        transition.has(String(b)) ? (transition.get(String(b)) as nn.Sequential).call(ys[ys.length - 1]) : ys[b]);
      for (const module of stage) xs = module.call(xs);
      ys = xs;
    });
    return ys;
  }
}
