#!/usr/bin/python3
"""The authors' (or the maintained library's) models in PyTorch eager: the yardsticks of
bench/models.ts for models the PyTorch peer does not have. Their code is imported from a checkout
named on the command line (read, never copied into segkit); the same shims as the parity fixture
scripts stand in for CUDA-only parts and uninstalled packages.

  reference_model.py MODEL [--checkout DIR] --size H W --classes K --threads T
                     (--export FILE | [--mode train|infer] [--batch B] --iters N --warmup N)

MODEL: stdc1_seg (github:MichaelFan01/STDC-Seg, models/model_stages.py BiSeNet("STDCNet813"),
use_boundary_8) or ddrnet_23_slim (github:ydhongHIT/DDRNet, segmentation/DDRNet_23_slim.py,
augment=True so that the auxiliary head's keys exist too): both built with training heads, both
timed for their main output only, upsampled to the input size as segkit's predict does; or
ocrnet_hr18 (github:open-mmlab/mmsegmentation, configs/_base_/models/ocrnet_hr18.py composed by
test/fixtures/mmseg_hrnet_ocr.py with the mmcv stand-ins), which also trains: --mode train times
one SGD step (lr 0.01, momentum 0.9, weight decay 5e-4, as the PyTorch peer's) on the cascade's
loss, 0.4 × cross-entropy of the FCN stage + that of the OCR stage, logits resized to the labels;
or, without --checkout, through the parity fixture scripts from the git directories they read:
segformer_b0 (github:NVlabs/SegFormer's mit_b0 and SegFormerHead as segformer_make_golden.py
composes them, SEGFORMER_GIT; its DropPath stand-in is the identity, so segkit's side runs with drop
path 0) and setr_pup_vit_b16 (mmsegmentation's SETRUPHead on timm's ViT-B/16, blocks 2, 5, 8, 11,
512² grid, as setr_make_golden.py composes setr_pup; MMSEG_GIT and TIMM_GIT), whose train step is
the same SGD on the cross-entropy of the main output; and upernet_swin_t (timm's Swin-T, window 7, drop
path 0, built for the input size, under mmsegmentation's UPerHead of 512 channels and FCN auxiliary
head of 256, as swin_make_golden.py composes them; MMSEG_GIT and TIMM_GIT), inference only; and
maskrcnn_resnet50_fpn (torchvision's own, inference only; its output the first 10 detections).
--export writes the seeded state dict (the authors' key names), __input__ and __output__ as
safetensors; otherwise one JSON line with the median milliseconds of --iters timed iterations.
"""
import argparse
import json
import os
import statistics
import struct
import sys
import time
import types

import torch
import torch.nn as nn
import torch.nn.functional as F

CHECKOUTS = {
    "stdc1_seg": ("github:MichaelFan01/STDC-Seg", "models/model_stages.py"),
    "ddrnet_23_slim": ("github:ydhongHIT/DDRNet", "segmentation/DDRNet_23_slim.py"),
    "ocrnet_hr18": ("github:open-mmlab/mmsegmentation", "mmseg/models/decode_heads/ocr_head.py"),
}
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../test/fixtures")


class PlainABN(nn.BatchNorm2d):
    """STDC-Seg's InPlaceABNSync(n, activation='none') (a CUDA extension) on one device: batch norm."""

    def __init__(self, n, activation="none"):
        super().__init__(n)


def stdc1_seg(checkout, classes, _size):
    bn = types.ModuleType("modules.bn")
    bn.InPlaceABNSync = PlainABN
    sys.modules["modules"], sys.modules["modules.bn"] = types.ModuleType("modules"), bn
    sys.path.insert(0, checkout)
    from models.model_stages import BiSeNet
    net = BiSeNet("STDCNet813", classes, use_boundary_8=True)

    def main_output(x):
        _, _, f8, _, cp8, _ = net.cp(x)
        return F.interpolate(net.conv_out(net.ffm(f8, cp8)), x.shape[2:], mode="bilinear", align_corners=True)
    return net, main_output


def ddrnet_23_slim(checkout, classes, _size):
    torch.nn.SyncBatchNorm = torch.nn.BatchNorm2d  # SyncBatchNorm is BatchNorm in one process
    sys.path.insert(0, os.path.join(checkout, "segmentation"))
    import DDRNet_23_slim as ddrnet
    net = ddrnet.DualResNet(ddrnet.BasicBlock, [2, 2, 2, 2], num_classes=classes, planes=32, spp_planes=128, head_planes=64, augment=True)

    def main_output(x):
        return F.interpolate(net(x)[0], x.shape[2:], mode="bilinear", align_corners=False)
    return net, main_output


def ocrnet_hr18(checkout, classes, _size):
    sys.path.insert(0, FIXTURES)
    from mmseg_hrnet_ocr import OCRNET_HR, Models
    models = Models(checkout)
    net = models.hr_model(models.config(OCRNET_HR), classes)

    def main_output(x):
        return net(x)[0]

    def loss(x, y):
        fcn, ocr = (models.resize(logits, size=y.shape[1:], mode="bilinear", align_corners=False) for logits in net.stage_logits(x))
        return 0.4 * F.cross_entropy(fcn, y, ignore_index=255) + F.cross_entropy(ocr, y, ignore_index=255)
    net.loss = loss
    return net, main_output


def segformer_b0(_checkout, classes, _size):
    sys.path.insert(0, FIXTURES)
    import segformer_make_golden as fixture
    net = fixture.EncoderDecoder(fixture.mit.mit_b0(), [32, 64, 160, 256], 256, classes)
    net.loss = lambda x, y: F.cross_entropy(net(x)[0], y)
    return net, lambda x: net(x)[0]


def setr_pup_vit_b16(_checkout, classes, _size):
    sys.path.insert(0, FIXTURES)
    import setr_make_golden as fixture
    vit = fixture.vision_transformer.VisionTransformer(img_size=512, patch_size=16, embed_dim=768, depth=12, num_heads=12, num_classes=0,
                                                       dynamic_img_size=True, dynamic_img_pad=True)
    net = fixture.SETR("pup", classes, vit, [2, 5, 8, 11])
    net.loss = lambda x, y: F.cross_entropy(net(x), y)
    return net, net


def upernet_swin_t(_checkout, classes, size):
    sys.path.insert(0, FIXTURES)
    from mmseg_upernet import FILES, REPO, SwinFeatures, upernet_class
    from reference_tools import checkout
    from vit_make_golden import timm_module
    root, _ = checkout("MMSEG_GIT", REPO, FILES)
    timm, _ = timm_module()
    dims = [96, 192, 384, 768]
    swin = timm.models.swin_transformer.SwinTransformer(img_size=tuple(size), embed_dim=96, depths=(2, 2, 6, 2), num_heads=(3, 6, 12, 24),
                                                        window_size=7, drop_path_rate=0.0, num_classes=0)
    net = upernet_class(root)(SwinFeatures(swin, dims), dims, classes, channels=512, aux_channels=256)
    return net, net


def maskrcnn_resnet50_fpn(_checkout, classes, _size):
    """torchvision's own Mask R-CNN (no checkout: Debian's python3-torchvision 0.14, its C++ nms and
    roi_align), no pretrained weights, its default settings; BatchNorm2d in the body, as segkit's."""
    from torchvision.models.detection import maskrcnn_resnet50_fpn as build
    net = build(weights=None, weights_backbone=None, num_classes=classes)
    return net, lambda x: top_detections(net([x[0]])[0])


def top_detections(out, k=10):
    """The first k detections as rows (x1, y1, x2, y2, score, label, mean mask probability): what
    bench/models.ts compares, pasted masks included in the timed work."""
    return torch.cat([out["boxes"], out["scores"][:, None], out["labels"][:, None].float(), out["masks"].flatten(1).mean(1, keepdim=True)], 1)[:k]


def save_safetensors(path, tensors):
    names = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for key, t in tensors.items():
        data = t.detach().contiguous().numpy().tobytes()
        header[key] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model", choices=sorted([*CHECKOUTS, "segformer_b0", "setr_pup_vit_b16", "upernet_swin_t", "maskrcnn_resnet50_fpn"]))
    p.add_argument("--checkout")
    p.add_argument("--size", type=int, nargs=2, required=True)
    p.add_argument("--classes", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--export")
    p.add_argument("--mode", choices=["train", "infer"], default="infer")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--iters", type=int, default=1)
    p.add_argument("--warmup", type=int, default=2)
    a = p.parse_args()
    repo, source = CHECKOUTS.get(a.model, (a.model, None))
    if source and not (a.checkout and os.path.isfile(os.path.join(a.checkout, source))):
        sys.exit(f"reference_model.py: {a.checkout!r} has no {source}; fetch {repo} with the search tool and unpack it there")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net, main_output = globals()[a.model](a.checkout, a.classes, a.size)
    net.eval()
    for m in net.modules():  # non-trivial statistics, so that eval-mode agreement is a real check
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    x = torch.randn(1, 3, *a.size)
    if a.export:
        with torch.no_grad():
            out = main_output(x)
        save_safetensors(a.export, {**net.state_dict(), "__input__": x, "__output__": out})
        print(json.dumps({"model": a.model, "export": a.export}))
        return

    if a.mode == "train":
        if not hasattr(net, "loss"):
            sys.exit(f"reference_model.py: {a.model} has no training step here")
        net.train()
        x = torch.randn(a.batch, 3, *a.size)
        y = torch.randint(0, a.classes, (a.batch, *a.size))
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

        def step():
            opt.zero_grad(set_to_none=True)
            net.loss(x, y).backward()
            opt.step()
    else:
        x = torch.randn(a.batch, 3, *a.size)

        def step():
            with torch.inference_mode():
                main_output(x)

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.iters):
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1000)
    print(json.dumps({"reference": repo, "torch": torch.__version__, "mode": a.mode, "batch": a.batch, "size": a.size, "threads": a.threads,
                      "ms_per_iter": statistics.median(times), "iters": a.iters}))


if __name__ == "__main__":
    main()
