// mmsegmentation's ConvNeXt (mmpretrain's backbones/convnext.py, "mmcls.ConvNeXt" in mmseg's
// upernet_convnext configs and model-zoo checkpoints) → segkit's ConvNeXt (timm's names):
// downsample_layers.0 → stem, downsample_layers.N (N ≥ 1, which begins stage N) → stages.N.downsample,
// stages.N.M.{depthwise_conv,norm,pointwise_conv1,pointwise_conv2,gamma} →
// stages.N.blocks.M.{conv_dw,norm,mlp.fc1,mlp.fc2,gamma}, normI → out_norms.I. A rename only: every
// mmseg config keeps mmpretrain's linear_pw_conv=True, so the pointwise weights are Linear ones
// already (a 1×1-conv checkpoint's 4-D weights are refused by the shape check of loadStateDict).
// Head keys go through mmseg_upernet's rules; keys with or without "backbone." are taken.
import type { StateMap, Tensor } from "@segkit/torch";
import { register } from "../../config/registry.js";
import { renameUpernetCheckpoint } from "./mmseg-upernet.js";

const BLOCK_PARTS: Record<string, string> = { depthwise_conv: "conv_dw", norm: "norm", pointwise_conv1: "mlp.fc1", pointwise_conv2: "mlp.fc2" };

/** segkit's name of an mmpretrain ConvNeXt backbone key (without "backbone."), or null when it has none. */
function convnextKey(key: string): string | null {
  const down = /^downsample_layers\.(\d+)\.([01])\.(weight|bias)$/.exec(key);
  if (down) return down[1] === "0" ? `stem.${down[2]}.${down[3]}` : `stages.${down[1]}.downsample.${down[2]}.${down[3]}`;
  const norm = /^norm(\d)\.(weight|bias)$/.exec(key);
  if (norm) return `out_norms.${norm[1]}.${norm[2]}`;
  const gamma = /^stages\.(\d+)\.(\d+)\.gamma$/.exec(key);
  if (gamma) return `stages.${gamma[1]}.blocks.${gamma[2]}.gamma`;
  const block = /^stages\.(\d+)\.(\d+)\.(\w+)\.(weight|bias)$/.exec(key);
  const part = block && BLOCK_PARTS[block[3]];
  return block && part ? `stages.${block[1]}.blocks.${block[2]}.${part}.${block[4]}` : null;
}

function fromMmseg(state: Map<string, Tensor>, source: string): Map<string, Tensor> {
  return renameUpernetCheckpoint(state, source, "mmseg_convnext", "ConvNeXt", convnextKey);
}

register<StateMap>("keymap", "mmseg_convnext", {
  options: [],
  summary: "mmsegmentation's ConvNeXt (mmpretrain's, in upernet_convnext model-zoo checkpoints, or a bare backbone) → upernet_convnext_* / convnext_*: renamed (downsample_layers → stem / stages.N.downsample, block parts → timm's, normI → out_norms.I)",
  build: () => fromMmseg,
});
