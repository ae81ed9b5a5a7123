// The authors' initialisation for DDRNet and PIDNet: convolutions Kaiming-normal (fan out, ReLU
// gain); BatchNorm keeps PyTorch's weight 1, bias 0 and conv biases their default.
import { nn } from "@segkit/torch";

export function initConvs(model: nn.Module): void {
  for (const m of model.modules()) {
    if (m instanceof nn.Conv2d) nn.init.kaimingNormal(m.weight, { mode: "fan_out", nonlinearity: "relu" });
  }
}
