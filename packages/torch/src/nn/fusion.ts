// Folding an eval-mode BatchNorm into the convolution that feeds it (PyTorch's fuse_conv_bn_eval):
// per output channel, the weight is scaled by γ/√(var + ε) and the bias becomes
// (b − mean)·γ/√(var + ε) + β, so the conv alone computes what conv → BatchNorm computed in eval mode.
// The norm is marked folded (it passes its input through) and its state set to the identity, so a
// state dict of the result loads into an unfolded model with the same output.
import { noGrad } from "../autograd.js";
import { tidy } from "../scope.js";
import { ConvNdLayer } from "./layers/conv.js";
import type { BatchNormNd } from "./layers/batchnorm.js";

export function foldBatchNormIntoConv(conv: ConvNdLayer, bn: BatchNormNd): void {
  if (!(conv instanceof ConvNdLayer)) throw new TypeError("foldBatchNormIntoConv: expected a (non-transposed) convolution");
  if (bn.folded) throw new Error(`foldBatchNormIntoConv: ${bn.describe()} is already folded`);
  if (!bn.running_mean || !bn.running_var) throw new Error(`foldBatchNormIntoConv: ${bn.describe()} has no running statistics to fold`);
  if (bn.numFeatures !== conv.outChannels) {
    throw new RangeError(`foldBatchNormIntoConv: ${bn.describe()} does not match the ${conv.outChannels} output channels of ${conv.describe()}`);
  }
  const { running_mean: mean, running_var: variance } = bn;
  // The new parameters are kept (setParameter); tidy frees the temporaries.
  tidy(() => noGrad(() => {
    const factor = variance.add(bn.eps).rsqrt();
    if (bn.weight) factor.mul_(bn.weight);
    const shape = [conv.outChannels, ...conv.weight.shape.slice(1).map(() => 1)];
    const weight = conv.weight.mul(factor.view(shape).to(conv.weight.dtype));
    let bias = (conv.bias ? conv.bias.sub(mean) : mean.neg()).mul(factor);
    if (bn.bias) bias = bias.add(bn.bias);
    conv.setParameter("weight", weight);
    conv.setParameter("bias", bias.to(conv.weight.dtype));
    mean.zero_();
    variance.fill_(1 - bn.eps);
    bn.weight?.fill_(1);
    bn.bias?.zero_();
  }));
  bn.folded = true;
}
