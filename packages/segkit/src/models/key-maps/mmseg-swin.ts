// mmsegmentation's Swin Transformer (mmseg/models/backbones/swin.py, as its model-zoo upernet_swin
// checkpoints hold it) → segkit's Swin (timm's names): patch_embed.projection → patch_embed.proj,
// stages.N.blocks.M.attn.w_msa.* → layers.N.blocks.M.attn.*, ffn.layers.0.0 / ffn.layers.1 →
// mlp.fc1 / mlp.fc2, normI → out_norms.I, and stages.N.downsample (which ends stage N there) →
// layers.N+1.downsample (which begins the next stage here). Not a renaming alone: mmseg's patch
// merging gathers each 2×2 patch with nn.Unfold (channel c·4 + 2·row + col), segkit's as timm does
// ((2·col + row)·C + c), so the reduction weight's columns and the norm are reordered; the
// relative_position_index buffers are dropped (segkit computes them). Head keys go through
// mmseg_upernet's rules; keys with or without "backbone." are taken.
import * as torch from "@segkit/torch";
import type { StateMap, Tensor } from "@segkit/torch";
import { register } from "../../config/registry.js";
import { renameUpernetCheckpoint } from "./mmseg-upernet.js";

const BLOCK_PARTS: Record<string, string> = { "attn.w_msa.qkv": "attn.qkv", "attn.w_msa.proj": "attn.proj", "attn.w_msa.relative_position_bias_table": "attn.relative_position_bias_table", "ffn.layers.0.0": "mlp.fc1", "ffn.layers.1": "mlp.fc2", norm1: "norm1", norm2: "norm2" };

/** segkit's name of an mmseg Swin backbone key (without "backbone."), or null when it has none. */
function swinKey(key: string): string | null {
  const embed = /^patch_embed\.(projection|norm)\.(weight|bias)$/.exec(key);
  if (embed) return `patch_embed.${embed[1] === "projection" ? "proj" : "norm"}.${embed[2]}`;
  const norm = /^norm(\d)\.(weight|bias)$/.exec(key);
  if (norm) return `out_norms.${norm[1]}.${norm[2]}`;
  const down = /^stages\.(\d+)\.downsample\.(reduction|norm)\.(weight|bias)$/.exec(key);
  if (down) return `layers.${+down[1] + 1}.downsample.${down[2]}.${down[3]}`;
  const block = /^stages\.(\d+)\.blocks\.(\d+)\.(.+)\.(weight|bias|relative_position_bias_table)$/.exec(key);
  if (!block) return null;
  const part = block[4] === "relative_position_bias_table" ? BLOCK_PARTS[`${block[3]}.${block[4]}`] : BLOCK_PARTS[block[3]] && `${BLOCK_PARTS[block[3]]}.${block[4]}`;
  return part ? `layers.${block[1]}.blocks.${block[2]}.${part}` : null;
}

/** A patch-merging tensor from unfold channel order (c, row, col) to segkit's (col, row, c), along its last dimension. */
function fromUnfoldOrder(t: Tensor): Tensor {
  const lead = t.shape.slice(0, -1);
  const channels = t.shape[t.shape.length - 1] / 4;
  const d = lead.length;
  return torch.tidy(() => t.reshape([...lead, channels, 2, 2]).permute([...lead.keys(), d + 2, d + 1, d]).reshape([...lead, 4 * channels]).contiguous());
}

function fromMmseg(state: Map<string, Tensor>, source: string): Map<string, Tensor> {
  const placed = new Map([...state].filter(([key]) => !key.endsWith(".relative_position_index")));
  return renameUpernetCheckpoint(placed, source, "mmseg_swin", "Swin", swinKey, (bare, t) => (/\.downsample\.(reduction|norm)\./.test(bare) ? fromUnfoldOrder(t) : t));
}

register<StateMap>("keymap", "mmseg_swin", {
  options: [],
  summary: "mmsegmentation's Swin (upernet_swin model-zoo checkpoints, or a bare mmseg Swin backbone) → upernet_swin_* / swin_*: renamed, patch-merging reduction and norm reordered from nn.Unfold's channel order, relative_position_index dropped",
  build: () => fromMmseg,
});
