#!/usr/bin/python3
"""The authors' DDRNet-23-slim (github.com/ydhongHIT/DDRNet, segmentation/DDRNet_23_slim.py) in PyTorch
eager, the yardstick of bench/models.ts: eval-mode inference of a seeded model, logits upsampled
to the input size (as segkit's forward), the same arguments and JSON line as the peer's `bench`.

DDRNET_DIR names a checkout of that repository (read, never copied into segkit).
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

FETCH = ('fetch it with the search tool (fetch "github:ydhongHIT/DDRNet"), then `mkdir -p /tmp/DDRNet && '
         "git --git-dir=/work/.mirror/ydhongHIT+DDRNet/repo archive HEAD | tar x -C /tmp/DDRNet` and set DDRNET_DIR=/tmp/DDRNet")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, nargs=2, required=True)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--classes", type=int, required=True)
    p.add_argument("--iters", type=int, default=1)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    checkout = os.environ.get("DDRNET_DIR", "")
    source = os.path.join(checkout, "segmentation", "DDRNet_23_slim.py")
    if not checkout or not os.path.isfile(source):
        sys.exit(f"ddrnet_reference.py: DDRNET_DIR={checkout!r} has no segmentation/DDRNet_23_slim.py; {FETCH}")
    torch.nn.SyncBatchNorm = torch.nn.BatchNorm2d  # the authors' SyncBatchNorm is BatchNorm in one process
    sys.path.insert(0, os.path.dirname(source))
    import DDRNet_23_slim as ddrnet  # noqa: E402

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = ddrnet.DualResNet(ddrnet.BasicBlock, [2, 2, 2, 2], num_classes=a.classes, planes=32, spp_planes=128,
                              head_planes=64, augment=False).eval()
    x = torch.randn(a.batch, 3, *a.size)

    def step():
        with torch.inference_mode():
            F.interpolate(model(x), size=a.size, mode="bilinear", align_corners=False)

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.iters):
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1000)
    print(json.dumps({"peer": "DDRNet (authors)", "torch": torch.__version__, "size": a.size, "threads": a.threads,
                      "ms_per_iter": statistics.median(times), "iters": a.iters}))


if __name__ == "__main__":
    main()
