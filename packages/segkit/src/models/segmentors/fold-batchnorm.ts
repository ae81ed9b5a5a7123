// Finding every conv → BatchNorm pair of a model and folding the norm into the conv. Pairs are found
// by running the model once with hooks: a BatchNorm2d whose input is the output of a Conv2d, each
// called once (a module called twice shares its weights between uses), is folded.
import * as torch from "@segkit/torch";
import { nn, type Tensor } from "@segkit/torch";

/** Folds each conv → BatchNorm2d pair of `model` (in eval mode) found on `probe`; returns how many. */
export function foldBatchNorms(model: nn.Module, probe: Tensor): number {
  const producedBy = new Map<Tensor, nn.ConvNdLayer>();
  const calls = new Map<nn.Module, number>();
  const pairs: [nn.BatchNorm2d, Tensor][] = [];
  const count = (m: nn.Module) => calls.set(m, (calls.get(m) ?? 0) + 1);
  // Once per module: a module shared under two paths (STDC's stage aliases) is still one module.
  const handles = [...new Set(model.modules())].flatMap((m) => {
    if (m instanceof nn.Conv2d) return [m.registerForwardHook((mod, _inputs, output) => void (count(mod), producedBy.set(output as Tensor, m)))];
    if (m instanceof nn.BatchNorm2d && !m.folded) return [m.registerForwardHook((mod, inputs) => void (count(mod), pairs.push([m, inputs[0] as Tensor])))];
    return [];
  });
  try {
    torch.tidy(() => torch.noGrad(() => void model.forward(probe as never)));
  } finally {
    handles.forEach((h) => h.remove());
  }
  let folded = 0;
  for (const [bn, input] of pairs) {
    const conv = producedBy.get(input);
    if (!conv || calls.get(conv) !== 1 || calls.get(bn) !== 1) continue;
    nn.foldBatchNormIntoConv(conv, bn);
    folded++;
  }
  return folded;
}
