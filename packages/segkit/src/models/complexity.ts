// Model size and cost: parameter count, and multiply-accumulates of the conv and linear layers for
// one image of a given size, counted by forward hooks during one inference pass. The count alone
// builds the model on libtorch's meta device (shapes without storage), so it costs no memory.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { Segmentor } from "./segmentors/segmentor.js";
import { build, type Config } from "../config/registry.js";

export interface Complexity {
  parameters: number;
  /** Multiply-accumulates for one model.exampleInput(size) (a (1, 3, H, W) image for 2D models); FLOPs ≈ 2 × MACs. */
  macs: number;
  size: [number, number];
}

// One output element of a conv costs (inChannels / groups) × kernel area MACs; a transposed conv
// spreads each input element over (outChannels / groups) × kernel area outputs.
function macsOf(m: nn.Module, input: Tensor, output: Tensor): number {
  if (m instanceof nn.ConvTransposeNdLayer) {
    return input.numel() * (m.outChannels / m.groups) * m.kernelSize.reduce((a, b) => a * b, 1);
  }
  if (m instanceof nn.ConvNdLayer) {
    return output.numel() * (m.inChannels / m.groups) * m.kernelSize.reduce((a, b) => a * b, 1);
  }
  if (m instanceof nn.Linear) return output.numel() * m.inFeatures;
  return 0;
}

export function complexity(model: Segmentor, size: [number, number]): Complexity {
  let macs = 0;
  const handles = model.modules().map((m) => m.registerForwardHook((module, inputs, output) => {
    if (output instanceof torch.Tensor && inputs[0] instanceof torch.Tensor) macs += macsOf(module, inputs[0], output);
  }));
  const wasTraining = model.training;
  try {
    model.eval();
    torch.tidy(() => torch.inferenceMode(() => model.call(torch.zeros(model.exampleInput(size)))));
  } finally {
    for (const h of handles) h.remove();
    model.train(wasTraining);
  }
  return { parameters: model.numParameters(), macs, size };
}

/** Parameters of the model `config` describes, built on the meta device: no parameter memory is allocated. */
export function countParameters(config: Config, where = "model"): number {
  return countParametersOf(() => build<Segmentor>("model", config, where));
}

/** Parameters of the module `make` builds, built on the meta device (shapes without storage). */
export function countParametersOf(make: () => nn.Module): number {
  return torch.withDefaultDevice("meta", () => {
    const model = make();
    try {
      return model.numParameters();
    } finally {
      model.dispose();
    }
  });
}
