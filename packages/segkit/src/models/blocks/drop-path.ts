// Stochastic depth (Huang et al. 2016) for the transformer backbones. The implementation lives once,
// in @segkit/torch (nn.DropPath, nn.functional.dropPath, timm's semantics: per sample, kept samples
// scaled by 1/keep_prob, identity in eval or at prob 0); this is the models' import point for it.
import { nn } from "@segkit/torch";

export const DropPath = nn.DropPath;
export type DropPath = nn.DropPath;
export const dropPath = nn.functional.dropPath;
