// timm's R50+ViT hybrid weights (vit_base_r50_s16_384's keys: patch_embed.backbone.*, patch_embed.proj,
// cls_token, pos_embed, blocks.N.*, norm) as TransUNet's encoder (transformer.*, the authors' names),
// which is how the authors start training (their load_from reads the same network from Google's
// R50+ViT-B_16.npz). Not a renaming: timm packs query, key and value in one "qkv" projection (output
// rows q, k, v), which becomes three tensors, and its position embedding has a class-token entry,
// which is dropped (and the grid resized when another is asked for). TransUNet's convolutions pad
// symmetrically and its epsilons differ from timm's, so the same weights give close, not equal, features.
// Registered as the key map "transunet_timm".
import * as torch from "@segkit/torch";
import type { StateMap, Tensor } from "@segkit/torch";
import { register } from "../../../config/registry.js";
import { resizePosEmbed } from "../../backbones/vit/position-embedding.js";

const ENCODER = "transformer.encoder.";
const HYBRID = "transformer.embeddings.hybrid_model.";
const BLOCK_PARTS: Record<string, string> = { norm1: "attention_norm", norm2: "ffn_norm", "mlp.fc1": "ffn.fc1", "mlp.fc2": "ffn.fc2", "attn.proj": "attn.out" };
const NORMS: Record<string, string> = { norm1: "gn1", norm2: "gn2", norm3: "gn3", "downsample.norm": "gn_proj", "downsample.conv": "downsample" };

function renamed(key: string): string | null {
  const stem = /^patch_embed\.backbone\.stem\.(conv|norm)\.(.+)$/.exec(key);
  if (stem) return `${HYBRID}root.${stem[1] === "conv" ? "conv" : "gn"}.${stem[2]}`;
  const unit = /^patch_embed\.backbone\.stages\.(\d+)\.blocks\.(\d+)\.(.+)\.(weight|bias)$/.exec(key);
  if (unit) return `${HYBRID}body.block${+unit[1] + 1}.unit${+unit[2] + 1}.${NORMS[unit[3]] ?? unit[3]}.${unit[4]}`;
  const proj = /^patch_embed\.proj\.(weight|bias)$/.exec(key);
  if (proj) return `transformer.embeddings.patch_embeddings.${proj[1]}`;
  const block = /^blocks\.(\d+)\.(.+)\.(weight|bias)$/.exec(key);
  if (block && BLOCK_PARTS[block[2]]) return `${ENCODER}layer.${block[1]}.${BLOCK_PARTS[block[2]]}.${block[3]}`;
  const norm = /^norm\.(weight|bias)$/.exec(key);
  return norm ? `${ENCODER}encoder_norm.${norm[1]}` : null;
}

/**
 * timm's hybrid state dict under TransUNet's names; `grid` (the side of TransUNet's image / 16) resizes
 * the position embedding bilinearly when it differs from the checkpoint's. New tensors (qkv parts,
 * the position embedding) are the caller's, as are the passed ones; the classifier ("head.*") is
 * dropped, and a key of neither layout is an error naming it.
 */
function fromTimm(state: Map<string, Tensor>, source: string, grid?: number): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, t] of state) {
    if (key === "cls_token" || key.startsWith("head.")) continue;
    const qkv = /^blocks\.(\d+)\.attn\.qkv\.(weight|bias)$/.exec(key);
    if (qkv) {
      const [q, k, v] = t.chunk(3, 0);
      for (const [name, part] of [["query", q], ["key", k], ["value", v]] as const) out.set(`${ENCODER}layer.${qkv[1]}.attn.${name}.${qkv[2]}`, part);
      continue;
    }
    if (key === "pos_embed") {
      const side = Math.round(Math.sqrt(t.shape[1] - 1));
      if (side * side !== t.shape[1] - 1) throw new Error(`${source}: transunet_timm: pos_embed of shape [${t.shape.join(", ")}] is not a class token and a square grid`);
      const target = grid ?? side;
      out.set("transformer.embeddings.position_embeddings", torch.tidy(() => resizePosEmbed(t, [side, side], [target, target], 1, "bilinear").slice(1, 1).clone()));
      continue;
    }
    const name = renamed(key);
    if (name === null) throw new Error(`${source}: transunet_timm: no TransUNet name for timm's key "${key}"`);
    out.set(name, t);
  }
  return out;
}

register<StateMap>("keymap", "transunet_timm", {
  options: ["grid"],
  summary: "timm's R50+ViT-B/16 hybrid (vit_base_r50_s16_*) → transunet_* encoder: splits qkv, drops the class token; grid: the position grid's side (image / 16) when it differs",
  build: ({ grid }, where) => {
    if (grid !== undefined && !(Number.isInteger(grid) && (grid as number) > 0)) throw new Error(`${where}: grid must be a positive integer, got ${JSON.stringify(grid)}`);
    return (state, source) => fromTimm(state, source, grid as number | undefined);
  },
});
