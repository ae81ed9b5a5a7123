#!/usr/bin/python3
"""PyTorch's side of `npm run bench -- dist` (Debian's python3-torch): one long-lived process that
prints "ready", then answers each request line with one result line.

  dist_peer.py allreduce --threads T
      a rank of torch.distributed's default group (gloo, env://); "<elements> <count>" -> after a
      barrier, count sum all-reduces of a buffer of ones: "<milliseconds> <first element>"
  dist_peer.py train --threads T --size S --batch B --classes K --peer PYTORCH_PEER
      the yardstick's classic U-Net (PYTORCH_PEER: ../shared/peers/pytorch_peer.py) training with
      SGD (lr 0.01, momentum 0.9, weight decay 5e-4) on cross-entropy, as its `bench --mode train`;
      with WORLD_SIZE in the environment a rank of torch's DistributedDataParallel over gloo (its
      defaults: broadcast_buffers, 25 MB buckets). "<steps>" -> "<milliseconds> <last loss>" (after a barrier
      when distributed; rank 0's time is the one compared).
"""
import argparse
import importlib.util
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F


def yardstick_unet(path, classes):
    """The yardstick's U-Net (the unet bench model), from its file."""
    spec = importlib.util.spec_from_file_location("pytorch_peer", path)
    peer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer)
    return peer.UNet(classes)


def allreduce(a):
    dist.init_process_group("gloo", init_method="env://")
    buffers = {}
    print("ready", flush=True)
    for line in sys.stdin:
        elements, count = map(int, line.split())
        buffer = buffers.setdefault(elements, torch.ones(elements))
        buffer.fill_(1)
        dist.barrier()
        start = time.perf_counter()
        for _ in range(count):
            dist.all_reduce(buffer)
        print((time.perf_counter() - start) * 1000, buffer[0].item(), flush=True)
    dist.destroy_process_group()


def train(a):
    distributed = "WORLD_SIZE" in os.environ
    if distributed:
        dist.init_process_group("gloo", init_method="env://")
    rank = dist.get_rank() if distributed else 0
    torch.manual_seed(rank)
    model = yardstick_unet(a.peer, a.classes)
    model.train()
    if distributed:
        model = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = torch.randint(0, a.classes, (a.batch, a.size, a.size))
    print("ready", flush=True)
    for line in sys.stdin:
        steps = int(line)
        if distributed:
            dist.barrier()
        start = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        print((time.perf_counter() - start) * 1000, loss.item(), flush=True)
    if distributed:
        dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["allreduce", "train"])
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--classes", type=int, default=12)
    p.add_argument("--peer", help="the yardstick's pytorch_peer.py (train)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.command == "allreduce":
        allreduce(a)
    else:
        train(a)


if __name__ == "__main__":
    main()
