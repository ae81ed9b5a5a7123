// torch.distributed for TypeScript: c10d's TCPStore rendezvous and Gloo process group, data parallel
// training through c10d's Reducer, SyncBatchNorm.
export { ProcessGroup, initProcessGroup, backendFor, type Backend, type ReduceOp } from "./process-group.js";
export { rendezvousConfig, type RendezvousOptions } from "./rendezvous.js";
export { shardIndices, takeShard, type ShardOptions } from "./sampler.js";
export { freePort } from "./free-port.js";
export { DistributedDataParallel, type DataParallelOptions } from "./data-parallel.js";
export { syncBatchNorm } from "./sync-batch-norm.js";
export { convertSyncBatchNorm } from "./convert-sync-batch-norm.js";
