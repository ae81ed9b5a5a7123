// PIDNet (Xu et al. 2023, "PIDNet: A Real-time Semantic Segmentation Network Inspired by PID
// Controllers"): a DDRNet-like trunk with three branches at stride 8 and below. I (integral): the
// deep low-resolution trunk with pyramid pooling, for context. P (proportional): a stride-8 branch
// fed by I through pixel-attention-guided fusion (PAG). D (derivative): a stride-8 branch adding
// I's differences, supervised by boundaries. Boundary-attention-guided fusion (Bag) merges the three.
// Training, as the authors' FullModel: the model's loss (the authors': OHEM CE) on the main logits,
// CE on a P-branch auxiliary head (weight 0.4), 20 × weighted BCE of the D head against boundary
// targets, and the model's loss on the main logits only where the D head is confident of a
// boundary (σ > 0.8). All outputs are upsampled to the
// label size with align_corners=True, as the authors' configs do (inside the network it is false).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { BasicBlock, Bottleneck, residualStage } from "../ddrnet/residual.js";
import { DAPPM } from "../ddrnet/pyramid-pooling.js";
import { SegmentHead } from "../ddrnet/segment-head.js";
import { convBn, dualResolutionStem } from "../ddrnet/layers.js";
import { checkWidth } from "../../blocks/check-width.js";
import { initConvs } from "../ddrnet/init.js";
import { PAPPM } from "./pappm.js";
import { Bag, LightBag, PagFM } from "./fusion.js";
import { boundaryTarget, weightedBoundaryBce } from "./boundary.js";

export interface PIDNetOptions extends Omit<SegmentorOptions, "divisor"> {
  /** Units per stage in the early trunk and the P branch (2 for S/M, 3 for L: L also switches the D branch to basic units, PAPPM to DAPPM and Light-Bag to Bag). */
  m: 2 | 3;
  /** Units per stage in the deep I stages (3 for S/M, 4 for L). */
  n: number;
  /** Trunk width (32 for S, 64 for M/L), pyramid pooling branch width (96; 112 for L), head width (128; 256 for L). */
  planes: number;
  ppmPlanes: number;
  headPlanes: number;
}

/** Stride-8 logits of the main head, the P auxiliary head and the D boundary head (1 channel). */
export interface PIDNetOutputs {
  logits: Tensor;
  aux: Tensor;
  boundary: Tensor;
}

// The authors' loss weights (configs/camvid/*.yaml BALANCE_WEIGHTS and SB_WEIGHTS; BondaryLoss coeff_bce).
const AUX_WEIGHT = 0.4;
const BOUNDARY_WEIGHT = 20;
const CONFIDENT_BOUNDARY = 0.8;

/** Bilinear upsampling with align_corners=True, the authors' choice for the network's outputs. */
function upsampleOutput(x: Tensor, size: number[]): Tensor {
  const [h, w] = spatial(x);
  return h === size[0] && w === size[1] ? x : torch.upsampleBilinear2d(x, size, true);
}

export class PIDNet extends Segmentor {
  readonly conv1: nn.Sequential;
  readonly layer1: nn.Sequential;
  readonly layer2: nn.Sequential;
  readonly layer3: nn.Sequential;
  readonly layer4: nn.Sequential;
  readonly layer5: nn.Sequential;
  readonly compression3: nn.Sequential;
  readonly compression4: nn.Sequential;
  readonly pag3: PagFM;
  readonly pag4: PagFM;
  readonly layer3_: nn.Sequential;
  readonly layer4_: nn.Sequential;
  readonly layer5_: nn.Sequential;
  readonly layer3_d: BasicBlock;
  readonly layer4_d: nn.Module & { forward(x: Tensor): Tensor };
  readonly layer5_d: nn.Sequential;
  readonly diff3: nn.Sequential;
  readonly diff4: nn.Sequential;
  readonly spp: PAPPM | DAPPM;
  readonly dfm: LightBag | Bag;
  readonly seghead_p: SegmentHead;
  readonly seghead_d: SegmentHead;
  readonly final_layer: SegmentHead;

  constructor({ m, n, planes, ppmPlanes, headPlanes, ...common }: PIDNetOptions) {
    super(common);
    checkWidth("PIDNet", "n", n);
    checkWidth("PIDNet", "planes", planes);
    checkWidth("PIDNet", "ppmPlanes", ppmPlanes);
    checkWidth("PIDNet", "headPlanes", headPlanes);
    if (m !== 2 && m !== 3) throw new RangeError(`PIDNet: m must be 2 (S, M) or 3 (L), got ${JSON.stringify(m)}`);
    const light = m === 2;
    this.conv1 = this.registerModule("conv1", dualResolutionStem(planes));
    this.layer1 = this.registerModule("layer1", residualStage(BasicBlock, planes, planes, m));
    this.layer2 = this.registerModule("layer2", residualStage(BasicBlock, planes, 2 * planes, m, 2));
    this.layer3 = this.registerModule("layer3", residualStage(BasicBlock, 2 * planes, 4 * planes, n, 2));
    this.layer4 = this.registerModule("layer4", residualStage(BasicBlock, 4 * planes, 8 * planes, n, 2));
    this.layer5 = this.registerModule("layer5", residualStage(Bottleneck, 8 * planes, 8 * planes, 2, 2));
    this.compression3 = this.registerModule("compression3", new nn.Sequential(...convBn(4 * planes, 2 * planes, 1)));
    this.compression4 = this.registerModule("compression4", new nn.Sequential(...convBn(8 * planes, 2 * planes, 1)));
    this.pag3 = this.registerModule("pag3", new PagFM(2 * planes, planes));
    this.pag4 = this.registerModule("pag4", new PagFM(2 * planes, planes));
    this.layer3_ = this.registerModule("layer3_", residualStage(BasicBlock, 2 * planes, 2 * planes, m));
    this.layer4_ = this.registerModule("layer4_", residualStage(BasicBlock, 2 * planes, 2 * planes, m));
    this.layer5_ = this.registerModule("layer5_", residualStage(Bottleneck, 2 * planes, 2 * planes, 1));
    const d = light ? planes : 2 * planes;
    this.layer3_d = this.registerModule("layer3_d", new BasicBlock(2 * planes, d, { relu: false }));
    this.layer4_d = this.registerModule("layer4_d", light ? residualStage(Bottleneck, planes, planes, 1) : new BasicBlock(d, d, { relu: false }));
    this.layer5_d = this.registerModule("layer5_d", residualStage(Bottleneck, 2 * planes, 2 * planes, 1));
    this.diff3 = this.registerModule("diff3", new nn.Sequential(...convBn(4 * planes, d, 3)));
    this.diff4 = this.registerModule("diff4", new nn.Sequential(...convBn(8 * planes, 2 * planes, 3)));
    this.spp = this.registerModule("spp", light ? new PAPPM(16 * planes, ppmPlanes, 4 * planes) : new DAPPM(16 * planes, ppmPlanes, 4 * planes));
    this.dfm = this.registerModule("dfm", light ? new LightBag(4 * planes, 4 * planes) : new Bag(4 * planes, 4 * planes));
    this.seghead_p = this.registerModule("seghead_p", new SegmentHead(2 * planes, headPlanes, this.numClasses));
    this.seghead_d = this.registerModule("seghead_d", new SegmentHead(2 * planes, planes, 1));
    this.final_layer = this.registerModule("final_layer", new SegmentHead(4 * planes, headPlanes, this.numClasses));
    initConvs(this);
  }

  /** The three heads' outputs at stride 8. */
  heads(x: Tensor): PIDNetOutputs {
    const { logits, p, d } = this.#run(x);
    return { logits, aux: this.seghead_p.call(p), boundary: this.seghead_d.call(d) };
  }

  forward(x: Tensor): Tensor {
    return upsampleOutput(this.#run(x).logits, spatial(x));
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const size = spatial(target);
    const heads = this.heads(x);
    const [logits, aux, boundary] = [heads.logits, heads.aux, heads.boundary].map((t) => upsampleOutput(t, size));
    // CE only where the D head is confident of a boundary (the authors' "bd_label"); none yet → 0.
    const confident = torch.noGrad(() => boundary.squeeze(1).sigmoid().gt(CONFIDENT_BOUNDARY).logicalAnd(target.ne(this.ignoreIndex)));
    const boundaryAware = torch.tidy(() => confident.any().item())
      ? this.pixelLoss(logits, target.maskedFill(confident.logicalNot(), this.ignoreIndex))
      : logits.sum().mul(0);
    return {
      "decode.loss": this.pixelLoss(logits, target),
      // The authors' auxiliary CE comes per pixel and is averaged over all pixels, ignored ones included.
      "aux0.loss": torch.crossEntropyLoss(aux, target, { ignoreIndex: this.ignoreIndex, reduction: 0 }).mean().mul(AUX_WEIGHT),
      "boundary.loss": weightedBoundaryBce(boundary, boundaryTarget(target, boundary.dtype)).mul(BOUNDARY_WEIGHT),
      "boundary_ce.loss": boundaryAware,
    };
  }

  /**
   * Main logits and the P and D features the auxiliary heads read. The authors size the stride-8
   * branches ⌊H/8⌋ × ⌊W/8⌋ (H, W multiples of 8); here they keep the stem's size, so any size works.
   * Their in-place ReLUs also rectify the features the auxiliary heads read; so do these.
   */
  #run(x: Tensor): { logits: Tensor; p: Tensor; d: Tensor } {
    this.checkImage(x);
    let i = this.layer2.call(this.layer1.call(this.conv1.call(x)).relu()).relu();
    let p = this.layer3_.call(i);
    let d = this.layer3_d.call(i);
    const size = spatial(p);
    i = this.layer3.call(i).relu();
    p = this.pag3.call(p, this.compression3.call(i));
    d = d.add(resize(this.diff3.call(i), size));
    const pAux = p.relu();
    i = this.layer4.call(i).relu();
    p = this.pag4.call(this.layer4_.call(pAux), this.compression4.call(i));
    d = this.layer4_d.call(d.relu()).add(resize(this.diff4.call(i), size));
    const dAux = d.relu();
    p = this.layer5_.call(p.relu());
    d = this.layer5_d.call(dAux);
    i = resize(this.spp.call(this.layer5.call(i)), size);
    return { logits: this.final_layer.call(this.dfm.call(p, i, d)), p: pAux, d: dAux };
  }
}
