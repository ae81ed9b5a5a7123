// Generalised Dice (Sudre et al., "Generalised Dice overlap as a deep learning loss function for
// highly unbalanced segmentations", 2017): classes weighted by w_c = 1/(Σg_c)², a class absent from
// the target taking the largest finite weight (MONAI's convention; 1/0 would swamp the rest). The
// penalty loss (Su et al., 2021) rescales it as L/(1 + k(1 − L)).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { IGNORE_INDEX, checkInputs, reduce, type Loss, type Options } from "./helpers.js";
import { overlap } from "./overlap.js";
import type { LossSpec } from "./spec.js";

const OPTIONS = ["mode", "smooth", "ignoreIndex", "perImage", "reduction"] as const;

function generalizedDiceWith(o: Options, where: string, rescale: (loss: Tensor) => Tensor): Loss {
  const mode = o.mode();
  const smooth = o.number("smooth", 1);
  const ignoreIndex = o.number("ignoreIndex", IGNORE_INDEX);
  const perImage = o.boolean("perImage", false);
  const reduction = o.reduction();
  return (logits, target) => {
    checkInputs(logits, target, mode, where);
    const s = overlap(logits, target, mode, ignoreIndex, perImage, where);
    const w = torch.noGrad(() => {
      const inverse = s.sumG.pow(2).reciprocal();
      const finite = inverse.isfinite();
      const largest = inverse.mul(finite).nanToNum(0).amax(-1, true);
      return torch.where(finite, inverse, largest);
    });
    const numerator = s.tp.mul(w).sum(-1).mul(2).add(smooth);
    const denominator = s.sumP.add(s.sumG).mul(w).sum(-1).add(smooth);
    return reduce(rescale(numerator.div(denominator).rsub(1)), reduction);
  };
}

export const generalizedDice: LossSpec = {
  name: "generalized_dice",
  formerly: ["generalized-dice"],
  options: OPTIONS,
  summary: "generalised Dice loss with class weights 1/(Σg)² (Sudre et al., 2017)",
  build: (o, where) => generalizedDiceWith(o, where, (loss) => loss),
};

export const penalty: LossSpec = {
  name: "penalty",
  options: [...OPTIONS, "k"],
  summary: "penalty loss L_GD/(1 + k(1 − L_GD)) on the generalised Dice loss (Su et al., 2021)",
  build(o, where) {
    const k = o.number("k", 2.5);
    return generalizedDiceWith(o, where, (loss) => loss.div(loss.rsub(1).mul(k).add(1)));
  },
};
