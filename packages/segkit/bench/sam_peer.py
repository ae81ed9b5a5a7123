#!/usr/bin/python3
"""The authors' Segment Anything in PyTorch eager, the yardstick of bench/sam.ts: a line peer that
builds SAM (segment_anything/modeling composed as build_sam.py does, at --size instead of 1024) from
the checkout named by --checkout, fills it with the seeded weights of test/fixtures/reference_tools.py
(the same numbers segkit regenerates), prints "ready", then answers requests:

  keys           → the state dict's key table (JSON), for segkit to regenerate the same weights
  embed          → milliseconds of one image-encoder pass on the seeded input (torch.manual_seed(1) randn)
  decode         → one SamPredictor.predict_torch call (one click, multimask, masks at the input size)
                   on the embedding of the seeded input, as JSON: {"total": ms, "stages": {name: ms}},
                   the stages timed by forward hooks (and a wrapper around postprocess_masks and get_dense_pe)
  check FILE     → writes the embedding of the seeded input to FILE (safetensors), answers "ok"
  masks FILE     → writes that call's outputs (masks, iou, low_res) to FILE, answers "ok"

  sam_peer.py --checkout DIR --variant vit_b --size S --threads T
"""
import argparse
import json
import os
import sys
import time
from functools import partial

import torch

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../test/fixtures")
sys.path.insert(0, FIXTURES)
from reference_tools import seeded_state, save  # noqa: E402

VARIANTS = {"vit_b": (768, 12, 12, [2, 5, 8, 11]), "vit_l": (1024, 24, 16, [5, 11, 17, 23]), "vit_h": (1280, 32, 16, [7, 15, 23, 31])}

parser = argparse.ArgumentParser()
parser.add_argument("--checkout", required=True)
parser.add_argument("--variant", default="vit_b", choices=VARIANTS)
parser.add_argument("--size", type=int, default=1024)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)
sys.path.insert(0, args.checkout)
from segment_anything.modeling import ImageEncoderViT, MaskDecoder, PromptEncoder, Sam, TwoWayTransformer  # noqa: E402
from segment_anything.predictor import SamPredictor  # noqa: E402

dim, depth, heads, global_blocks = VARIANTS[args.variant]
grid = args.size // 16
sam = Sam(
    image_encoder=ImageEncoderViT(depth=depth, embed_dim=dim, img_size=args.size, mlp_ratio=4, norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
                                  num_heads=heads, patch_size=16, qkv_bias=True, use_rel_pos=True, global_attn_indexes=global_blocks,
                                  window_size=14, out_chans=256),
    prompt_encoder=PromptEncoder(embed_dim=256, image_embedding_size=(grid, grid), input_image_size=(args.size, args.size), mask_in_chans=16),
    mask_decoder=MaskDecoder(num_multimask_outputs=3, transformer=TwoWayTransformer(depth=2, embedding_dim=256, mlp_dim=2048, num_heads=8),
                             transformer_dim=256, iou_head_depth=3, iou_head_hidden_dim=256),
).eval()
_, table = seeded_state(sam, seed=0)
torch.manual_seed(1)
image = torch.randn(1, 3, args.size, args.size)
predictor = SamPredictor(sam)
with torch.no_grad():
    predictor.set_torch_image(torch.zeros(1, 3, args.size, args.size), (args.size, args.size))
    predictor.features = sam.image_encoder(image)
point = torch.tensor([[[args.size * 0.4, args.size * 0.6]]])
label = torch.ones(1, 1, dtype=torch.int)

# Stage times of one decode, in milliseconds; names shared with bench/sam.ts.
stages = {}


def add_stage(name, start):
    stages[name] = stages.get(name, 0.0) + (time.perf_counter() - start) * 1000


def time_module(module, name):
    module.register_forward_pre_hook(lambda m, inputs: setattr(m, "_stage_start", time.perf_counter()))
    module.register_forward_hook(lambda m, inputs, output: add_stage(name, m._stage_start))


def time_method(owner, method, name):
    original = getattr(owner, method)

    def timed(*a, **k):
        start = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            add_stage(name, start)
    setattr(owner, method, timed)


time_module(sam.prompt_encoder, "prompt encoder")
time_method(sam.prompt_encoder, "get_dense_pe", "dense PE")
time_module(sam.mask_decoder.transformer, "two-way transformer")
time_module(sam.mask_decoder.output_upscaling, "upscaling + mask product")
for mlp in sam.mask_decoder.output_hypernetworks_mlps:
    time_module(mlp, "hypernetwork MLPs")
time_module(sam.mask_decoder.iou_prediction_head, "IoU head")
time_method(sam, "postprocess_masks", "postprocess")


def decode():
    return predictor.predict_torch(point, label, multimask_output=True, return_logits=True)
print("ready", flush=True)
for line in sys.stdin:
    request = line.split()
    with torch.no_grad():
        if request[0] == "keys":
            print(json.dumps(table), flush=True)
        elif request[0] == "embed":
            start = time.perf_counter()
            sam.image_encoder(image)
            print((time.perf_counter() - start) * 1000, flush=True)
        elif request[0] == "decode":
            stages.clear()
            start = time.perf_counter()
            decode()
            print(json.dumps({"total": (time.perf_counter() - start) * 1000, "stages": stages}), flush=True)
        elif request[0] == "check":
            save(request[1], {"embedding": sam.image_encoder(image)})
            print("ok", flush=True)
        elif request[0] == "masks":
            masks, iou, low_res = decode()
            save(request[1], {"masks": masks, "iou": iou, "low_res": low_res})
            print("ok", flush=True)
