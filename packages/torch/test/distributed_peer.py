"""A Python rank for distributed-python.test.ts: torch.distributed (Debian's python3-torch 1.13)
with backend gloo and init_method env://, as torchrun starts a worker. It runs the collectives of
distributed-child.ts's "peer" scenario, in the same order with the same inputs, and prints its
results as one JSON line."""
import json
import os
from datetime import timedelta

import torch
import torch.distributed as dist

timeout = timedelta(milliseconds=int(os.environ.get("SEGKIT_DIST_TIMEOUT_MS", "10000")))
dist.init_process_group("gloo", init_method="env://", timeout=timeout)
rank, world_size = dist.get_rank(), dist.get_world_size()

summed = torch.tensor([rank + 1.0, 10.0 * (rank + 1)])
dist.all_reduce(summed, op=dist.ReduceOp.SUM)
maxed = torch.tensor([float(rank), 5.0 - 10.0 * rank])
dist.all_reduce(maxed, op=dist.ReduceOp.MAX)
broadcast = torch.full((3,), float(rank))
dist.broadcast(broadcast, src=1)
gathered = [torch.empty(2, dtype=torch.int64) for _ in range(world_size)]
dist.all_gather(gathered, torch.tensor([rank, rank * rank]))
dist.barrier()

print(json.dumps({
    "rank": rank,
    "sum": summed.tolist(),
    "max": maxed.tolist(),
    "broadcast": broadcast.tolist(),
    "gathered": torch.stack(gathered).flatten().tolist(),
    "gatheredShape": list(torch.stack(gathered).shape),
}), flush=True)
dist.destroy_process_group()
