// Non-negative matrix factorisation, the "ham" of SegNeXt's head (Geng et al. 2021, "Is Attention
// Better Than Matrix Decomposition?", NMF by Lee & Seung's multiplicative updates; mmsegmentation's
// NMF2D). A non-negative feature map X (D channels × N pixels, per sample and channel group) is
// approximated by bases (D × R) times coefficients (N × R)ᵀ of rank R; the output is that low-rank
// reconstruction, a global context. The coefficients start at softmax(Xᵀ·bases) over R, then each
// step updates coefficients, then bases:
//   coef ← coef ⊙ (Xᵀ·bases) / (coef·(basesᵀ·bases) + 1e-6),   bases ← bases ⊙ (X·coef) / (bases·(coefᵀ·coef) + 1e-6),
// 6 steps in training and 7 in evaluation, and a last coefficient update before the reconstruction.
// The bases are drawn uniformly and L2-normalised over D: afresh in every forward (randInit, the
// configs' choice; so inference is random unless seeded, as mmseg's README notes) or once at
// construction as buffer "bases". mmseg's inv_t does not apply: NMF2D sets it to 1.
//
// Gradients: SegNeXt (the authors' ham_head.py, whose @torch.no_grad() on the iterations is commented
// out, and mmsegmentation's, which dropped it) back-propagates through every step; that is the default.
// oneStepGradient runs the iterations without gradient, so only the last coefficient update and the
// reconstruction carry it: HamNet's one-step gradient (Geng et al. §2.3).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../../blocks/check-width.js";

export interface NMFOptions {
  /** Groups the channels are split into, each factorised alone (mmseg's MD_S; 1). */
  channelGroups?: number;
  /** Rank R of the factorisation (mmseg's MD_R; 64, the SegNeXt configs 16). */
  rank?: number;
  /** Multiplicative update steps in training (6) and in evaluation (7). */
  trainSteps?: number;
  evalSteps?: number;
  /** New random bases in every forward (true), or one draw kept as buffer "bases" (false). */
  randInit?: boolean;
  /** Earlier steps without gradient (HamNet's one-step gradient); false as in SegNeXt's code. */
  oneStepGradient?: boolean;
}

export const NMF_OPTIONS = ["channelGroups", "rank", "trainSteps", "evalSteps", "randInit", "oneStepGradient"];

const EPS = 1e-6;

/** `count` sets of D × R bases, uniform in [0, 1) and normalised to unit length over D. */
function drawBases(count: number, depth: number, rank: number): Tensor {
  return nn.functional.normalize(torch.rand([count, depth, rank]), { dim: 1 });
}

/** One multiplicative update of the coefficients (N × R) for data x (D × N) and bases (D × R), batched. */
function updateCoefficients(x: Tensor, bases: Tensor, coef: Tensor): Tensor {
  const numerator = x.transpose(1, 2).bmm(bases);
  const denominator = coef.bmm(bases.transpose(1, 2).bmm(bases));
  return coef.mul(numerator).div(denominator.add(EPS));
}

function updateBases(x: Tensor, bases: Tensor, coef: Tensor): Tensor {
  const numerator = x.bmm(coef);
  const denominator = bases.bmm(coef.transpose(1, 2).bmm(coef));
  return bases.mul(numerator).div(denominator.add(EPS));
}

export class NMF2D extends nn.Module {
  readonly channelGroups: number;
  readonly rank: number;
  readonly trainSteps: number;
  readonly evalSteps: number;
  readonly randInit: boolean;
  readonly oneStepGradient: boolean;
  declare readonly bases: Tensor | null;

  constructor(readonly channels: number, { channelGroups = 1, rank = 64, trainSteps = 6, evalSteps = 7, randInit = true, oneStepGradient = false }: NMFOptions = {}) {
    super();
    checkWidth("NMF2D", "rank", rank);
    checkWidth("NMF2D", "channelGroups", channelGroups);
    checkWidth("NMF2D", "trainSteps", trainSteps, { min: 0 });
    checkWidth("NMF2D", "evalSteps", evalSteps, { min: 0 });
    if (channels % channelGroups !== 0) throw new RangeError(`NMF2D: channels (${channels}) must be a multiple of channelGroups (${channelGroups})`);
    this.channelGroups = channelGroups;
    this.rank = rank;
    this.trainSteps = trainSteps;
    this.evalSteps = evalSteps;
    this.randInit = randInit;
    this.oneStepGradient = oneStepGradient;
    this.registerBuffer("bases", randInit ? null : drawBases(channelGroups, channels / channelGroups, rank));
  }

  /** (B, C, H, W), non-negative → its rank-R reconstruction, same shape. */
  forward(x: Tensor): Tensor {
    const [batch, channels, h, w] = x.shape;
    if (x.ndim !== 4 || channels !== this.channels) throw new RangeError(`NMF2D: expected (N, ${this.channels}, H, W), got [${x.shape.join(", ")}]`);
    const depth = channels / this.channelGroups;
    const data = x.reshape([batch * this.channelGroups, depth, h * w]);
    const initial = this.bases ? this.bases.repeat([batch, 1, 1]) : drawBases(batch * this.channelGroups, depth, this.rank);
    const iterate = () => this.#iterate(data, initial);
    const { bases, coef } = this.oneStepGradient ? torch.noGrad(iterate) : iterate();
    const last = updateCoefficients(data, bases, coef);
    return bases.bmm(last.transpose(1, 2)).reshape([batch, channels, h, w]);
  }

  #iterate(x: Tensor, initial: Tensor): { bases: Tensor; coef: Tensor } {
    let bases = initial;
    let coef = torch.softmax(x.transpose(1, 2).bmm(bases), -1);
    const steps = this.training ? this.trainSteps : this.evalSteps;
    for (let i = 0; i < steps; i++) {
      coef = updateCoefficients(x, bases, coef);
      bases = updateBases(x, bases, coef);
    }
    return { bases, coef };
  }
}
