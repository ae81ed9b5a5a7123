// Per-class region losses on soft overlaps (see overlap.ts); each names the paper of its formula.
import type { Tensor } from "@segkit/torch";
import { REGION_OPTIONS, fn, fp, regionLoss, tn, type Overlap } from "./overlap.js";
import type { LossSpec } from "./spec.js";

/** Soft Dice, 2TP / (ΣP + ΣG), or with squared denominators Σp² + Σg² (Milletari et al., V-Net, 2016). */
function diceScore(s: Overlap, smooth: number, squared: boolean): Tensor {
  const denominator = squared ? s.sum(s.probs.pow(2)).add(s.sum(s.truth.pow(2))) : s.sumP.add(s.sumG);
  return s.tp.mul(2).add(smooth).div(denominator.add(smooth));
}

/**
 * Dice on values mapped from [0, 1] to [−1, 1] (2x − 1 on valid pixels): 2Σp'g' / (Σp'² + Σg'²).
 * An empty target is all −1 rather than all 0, so it still has something to agree with.
 */
function signedDiceScore(s: Overlap, smooth: number): Tensor {
  const p = s.probs.mul(2).sub(s.valid);
  const g = s.truth.mul(2).sub(s.valid);
  return s.sum(p.mul(g)).mul(2).add(smooth).div(s.sum(p.mul(p)).add(s.sum(g.mul(g))).add(smooth));
}

export const dice: LossSpec = {
  name: "dice",
  options: [...REGION_OPTIONS, "squared", "signed"],
  summary: "soft Dice loss 1 − (2TP + s)/(ΣP + ΣG + s); squared denominators (V-Net) or values in [−1, 1] (signed)",
  build(o, where) {
    const squared = o.boolean("squared", false);
    const signed = o.boolean("signed", false);
    if (signed && squared) throw new TypeError(`${where}: "signed" Dice already uses squared denominators; drop "squared"`);
    return regionLoss(o, where, (s, smooth) => (signed ? signedDiceScore(s, smooth) : diceScore(s, smooth, squared)).rsub(1));
  },
};

export const logCoshDice: LossSpec = {
  name: "log_cosh_dice",
  formerly: ["log-cosh-dice"],
  options: REGION_OPTIONS,
  summary: "log(cosh(Dice loss)) (Jadon, A survey of loss functions for semantic segmentation, 2020)",
  build: (o, where) => regionLoss(o, where, (s, smooth) => diceScore(s, smooth, false).rsub(1).cosh().log()),
};

export const jaccard: LossSpec = {
  name: "jaccard",
  options: REGION_OPTIONS,
  summary: "soft IoU loss 1 − (TP + s)/(ΣP + ΣG − TP + s) (Rahman & Wang, 2016)",
  build: (o, where) => regionLoss(o, where, (s, smooth) => s.tp.add(smooth).div(s.sumP.add(s.sumG).sub(s.tp).add(smooth)).rsub(1)),
};

function tverskyIndex(s: Overlap, smooth: number, alpha: number, beta: number): Tensor {
  return s.tp.add(smooth).div(s.tp.add(fp(s).mul(alpha)).add(fn(s).mul(beta)).add(smooth));
}

export const tversky: LossSpec = {
  name: "tversky",
  options: [...REGION_OPTIONS, "alpha", "beta"],
  summary: "Tversky loss 1 − (TP + s)/(TP + αFP + βFN + s) (Salehi et al., 2017)",
  build(o, where) {
    const alpha = o.number("alpha", 0.3);
    const beta = o.number("beta", 0.7);
    return regionLoss(o, where, (s, smooth) => tverskyIndex(s, smooth, alpha, beta).rsub(1));
  },
};

export const focalTversky: LossSpec = {
  name: "focal_tversky",
  formerly: ["focal-tversky"],
  options: [...REGION_OPTIONS, "alpha", "beta", "gamma"],
  summary: "focal Tversky loss (1 − TI)^γ (Abraham & Khan, 2019; γ = 0.75 is their 1/(4/3))",
  build(o, where) {
    const alpha = o.number("alpha", 0.3);
    const beta = o.number("beta", 0.7);
    const gamma = o.number("gamma", 0.75);
    return regionLoss(o, where, (s, smooth) => tverskyIndex(s, smooth, alpha, beta).rsub(1).pow(gamma));
  },
};

export const asymmetricSimilarity: LossSpec = {
  name: "asymmetric_similarity",
  formerly: ["asymmetric-similarity"],
  options: [...REGION_OPTIONS, "beta"],
  summary: "1 − F_β with F_β = (1+β²)TP / ((1+β²)TP + β²FN + FP) (Hashemi et al., 2018)",
  build(o, where) {
    const b2 = o.number("beta", 1.5) ** 2;
    return regionLoss(o, where, (s, smooth) => {
      const weighted = s.tp.mul(1 + b2);
      return weighted.add(smooth).div(weighted.add(fn(s).mul(b2)).add(fp(s)).add(smooth)).rsub(1);
    });
  },
};

export const sensitivitySpecificity: LossSpec = {
  name: "sensitivity_specificity",
  formerly: ["sensitivity-specificity"],
  options: [...REGION_OPTIONS, "w"],
  summary: "w·Σ(g−p)²g/(Σg+s) + (1−w)·Σ(g−p)²(1−g)/(Σ(1−g)+s) (Brosch et al., 2015)",
  build(o, where) {
    const w = o.number("w", 0.05);
    return regionLoss(o, where, (s, smooth) => {
      const squaredError = s.truth.sub(s.probs).pow(2);
      const missed = s.sum(squaredError.mul(s.truth)).div(s.sumG.add(smooth));
      const background = s.valid.sub(s.truth);
      const spurious = s.sum(squaredError.mul(background)).div(s.count.sub(s.sumG).add(smooth));
      return missed.mul(w).add(spurious.mul(1 - w));
    });
  },
};

export const mcc: LossSpec = {
  name: "mcc",
  options: REGION_OPTIONS,
  summary: "1 − (TP·TN − FP·FN)/√((TP+FP)(TP+FN)(TN+FP)(TN+FN) + s) (Abhishek & Hamarneh, 2021)",
  build: (o, where) =>
    regionLoss(o, where, (s, smooth) => {
      const [p, n, f, m] = [s.tp, tn(s), fp(s), fn(s)];
      const product = p.add(f).mul(p.add(m)).mul(n.add(f)).mul(n.add(m));
      return p.mul(n).sub(f.mul(m)).div(product.add(smooth).sqrt()).rsub(1);
    }),
};
