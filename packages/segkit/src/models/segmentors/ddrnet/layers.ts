// Small layer groups DDRNet and PIDNet share: the stride-4 stem and conv-BN pairs.
import { nn } from "@segkit/torch";

/** Two strided 3×3 conv-BN-ReLU; the convs keep a bias, as the authors' do. */
export function dualResolutionStem(planes: number): nn.Sequential {
  const conv = (cin: number): nn.Conv2d => new nn.Conv2d(cin, planes, 3, { stride: 2, padding: 1 });
  return new nn.Sequential(conv(3), new nn.BatchNorm2d(planes), new nn.ReLU(), conv(planes), new nn.BatchNorm2d(planes), new nn.ReLU());
}

/** A bias-free conv (same padding) then BN, as a list so that Sequentials can chain several. */
export function convBn(inChannels: number, outChannels: number, kernel: 1 | 3, stride = 1): nn.Module[] {
  return [new nn.Conv2d(inChannels, outChannels, kernel, { stride, padding: kernel >> 1, bias: false }), new nn.BatchNorm2d(outChannels)];
}
