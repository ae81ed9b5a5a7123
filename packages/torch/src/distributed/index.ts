// torch.distributed for TypeScript: c10d's TCPStore rendezvous and Gloo process group.
export { ProcessGroup, initProcessGroup, type ReduceOp } from "./process-group.js";
export { rendezvousConfig, type RendezvousOptions } from "./rendezvous.js";
export { shardIndices, type ShardOptions } from "./sampler.js";
