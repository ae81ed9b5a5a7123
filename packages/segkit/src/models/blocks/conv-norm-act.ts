// Conv → BatchNorm → activation, the unit most architectures are built from. It is a Sequential so
// that its keys are torchvision's Conv2dNormActivation keys: "0" conv, "1" norm, "2" activation.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** A module mapping one tensor to one tensor (what Sequential chains). */
export type TensorModule = nn.Module & { forward(x: Tensor): Tensor };

export type Activation = "relu" | "relu6" | "hardswish" | "hardsigmoid" | "sigmoid" | "prelu" | null;

export interface ConvNormActOptions {
  stride?: number;
  dilation?: number;
  groups?: number;
  /** Default: "relu"; null for none. */
  act?: Activation;
  /** Batch-norm epsilon and momentum (MobileNetV3 uses 1e-3 and 0.01). */
  eps?: number;
  momentum?: number;
  /** A bias on the conv (off by default: the norm has one). */
  bias?: boolean;
  /** Default true; false gives conv → activation. */
  norm?: boolean;
}

/** `inplace` (ReLU and ReLU6 only) is for inputs nothing else reads, such as a conv's or a norm's output. */
export function activation(kind: Activation, channels = 1, inplace = false): TensorModule | null {
  switch (kind) {
    case "relu": return new nn.ReLU({ inplace });
    case "relu6": return new nn.ReLU6({ inplace });
    case "hardswish": return new nn.Hardswish();
    case "hardsigmoid": return new nn.Hardsigmoid();
    case "sigmoid": return new nn.Sigmoid();
    case "prelu": return new nn.PReLU({ numParameters: channels });
    case null: return null;
  }
}

export class ConvNormAct extends nn.Sequential {
  /** `kernelSize` is square or [height, width] (ENet's asymmetric 5×1 and 1×5); padding keeps the size at stride 1. */
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: ConvNormActOptions = {}) {
    super();
    const dilation = options.dilation ?? 1;
    const norm = options.norm ?? true;
    const kernel = typeof kernelSize === "number" ? [kernelSize, kernelSize] : kernelSize;
    this.append(new nn.Conv2d(inChannels, outChannels, kernel, {
      stride: options.stride ?? 1, padding: kernel.map((k) => (dilation * (k - 1)) >> 1), dilation,
      groups: options.groups ?? 1, bias: options.bias ?? !norm,
    }));
    if (norm) this.append(new nn.BatchNorm2d(outChannels, { eps: options.eps ?? 1e-5, momentum: options.momentum ?? 0.1 }));
    // In place: the conv's or norm's output is read by nothing else (their backward needs only inputs).
    const act = activation(options.act === undefined ? "relu" : options.act, outChannels, true);
    if (act) this.append(act);
  }
}
