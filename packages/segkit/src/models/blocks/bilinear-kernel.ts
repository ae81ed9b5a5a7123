// Initializes a transposed conv as bilinear upsampling per channel (FCN's initialization), so a
// learned upsampler starts as interpolation.
import * as torch from "@segkit/torch";
import type { nn } from "@segkit/torch";

export function initBilinear(conv: nn.ConvTranspose2d): nn.ConvTranspose2d {
  const [k] = conv.kernelSize;
  const factor = Math.ceil(k / 2);
  const center = k % 2 === 1 ? factor - 1 : factor - 0.5;
  const row = Array.from({ length: k }, (_, i) => 1 - Math.abs(i - center) / factor);
  const channels = Math.min(conv.inChannels, conv.outChannels);
  torch.noGrad(() => torch.tidy(() => {
    const kernel = torch.tensor(row).unsqueeze(1).mul(torch.tensor(row).unsqueeze(0));
    conv.weight.zero_();
    for (let c = 0; c < channels; c++) conv.weight.select(0, c).select(0, c).copy_(kernel);
    conv.bias?.zero_();
  }));
  return conv;
}
