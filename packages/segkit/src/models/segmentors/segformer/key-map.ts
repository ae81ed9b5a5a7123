// The authors' SegFormer checkpoints (github:NVlabs/SegFormer, mmsegmentation-style: "backbone.block1.0.attn.kv",
// "decode_head.linear_c4.proj", ...; the ImageNet mit_b*.pth files hold the backbone keys without
// the "backbone." prefix) renamed to Hugging Face's, which SegFormer uses: the key map "segformer_official".
import type { StateMap, Tensor } from "@segkit/torch";
import { register } from "../../../config/registry.js";

// [official pattern, Hugging Face replacement]; stage numbers are 1-based there, 0-based here.
const RENAMES: [RegExp, (m: RegExpMatchArray, key: string, source: string) => string][] = [
  [/^patch_embed(\d)\.proj\.(weight|bias)$/, (m) => `segformer.encoder.patch_embeddings.${+m[1] - 1}.proj.${m[2]}`],
  [/^patch_embed(\d)\.norm\.(weight|bias)$/, (m) => `segformer.encoder.patch_embeddings.${+m[1] - 1}.layer_norm.${m[2]}`],
  [/^norm(\d)\.(weight|bias)$/, (m) => `segformer.encoder.layer_norm.${+m[1] - 1}.${m[2]}`],
  [/^block(\d)\.(\d+)\.(.+)$/, (m, key, source) => `segformer.encoder.block.${+m[1] - 1}.${m[2]}.${blockPart(m[3], key, source)}`],
  [/^decode_head\.linear_c(\d)\.proj\.(weight|bias)$/, (m) => `decode_head.linear_c.${+m[1] - 1}.proj.${m[2]}`],
  [/^decode_head\.linear_fuse\.conv\.weight$/, () => "decode_head.linear_fuse.weight"],
  [/^decode_head\.linear_fuse\.bn\.(.+)$/, (m) => `decode_head.batch_norm.${m[1]}`],
  [/^decode_head\.linear_pred\.(weight|bias)$/, (m) => `decode_head.classifier.${m[1]}`],
];

const BLOCK_PARTS: Record<string, string> = {
  norm1: "layer_norm_1", norm2: "layer_norm_2", "attn.q": "attention.self.query", "attn.sr": "attention.self.sr",
  "attn.norm": "attention.self.layer_norm", "attn.proj": "attention.output.dense", "mlp.fc1": "mlp.dense1",
  "mlp.fc2": "mlp.dense2", "mlp.dwconv.dwconv": "mlp.dwconv.dwconv",
};

function blockPart(rest: string, fullKey: string, source: string): string {
  const dot = rest.lastIndexOf(".");
  const renamed = BLOCK_PARTS[rest.slice(0, dot)];
  if (renamed === undefined) throw new Error(`${source}: segformer_official: unknown block key "${fullKey}"`);
  return `${renamed}${rest.slice(dot)}`;
}

/**
 * The official state dict under Hugging Face's names. The fused key-value projection "attn.kv"
 * (output rows: keys, then values) becomes "attention.self.key" and "attention.self.value", new
 * tensors (views of it); every other tensor is passed through. Keys of the ImageNet classifier
 * ("head.*") and the unused "decode_head.conv_seg.*" are dropped; any other key not in the table is an error naming it.
 */
function fromOfficial(state: Map<string, Tensor>, source: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [fullKey, t] of state) {
    const key = fullKey.replace(/^backbone\./, "");
    // The ImageNet classifier of the mit_b* files, and mmseg's conv_seg, which SegFormerHead builds
    // (BaseDecodeHead does) but never calls: it classifies with linear_pred.
    if (/^(head|decode_head\.conv_seg)\.(weight|bias)$/.test(key)) continue;
    const kv = /^block(\d)\.(\d+)\.attn\.kv\.(weight|bias)$/.exec(key);
    if (kv) {
      const prefix = `segformer.encoder.block.${+kv[1] - 1}.${kv[2]}.attention.self`;
      const [k, v] = t.chunk(2, 0);
      out.set(`${prefix}.key.${kv[3]}`, k);
      out.set(`${prefix}.value.${kv[3]}`, v);
      continue;
    }
    const rule = RENAMES.find(([pattern]) => pattern.test(key));
    if (!rule) throw new Error(`${source}: segformer_official: no Hugging Face name for the official key "${fullKey}"`);
    out.set(rule[1](key.match(rule[0])!, fullKey, source), t);
  }
  return out;
}

register<StateMap>("keymap", "segformer_official", {
  options: [],
  summary: "the SegFormer authors' (NVlabs, mmseg-style) checkpoints and mit_b* files → segformer_* (Hugging Face names); splits attn.kv",
  build: () => fromOfficial,
});
