// The loader's worker thread: builds its own dataset and pipeline from the configs and answers
// batch requests with typed arrays, transferring their buffers back (no copy).
import { parentPort, workerData } from "node:worker_threads";
import { BatchMaker, type LoaderSource } from "./batch-maker.js";

export interface BatchRequest {
  job: number;
  epoch: number;
  indices: number[];
}

const port = parentPort!;
const maker = new BatchMaker(workerData as LoaderSource);

port.on("message", (request: BatchRequest) => {
  maker.make(request.epoch, request.indices).then(
    (batch) => port.postMessage({ job: request.job, batch }, [batch.images.buffer as ArrayBuffer, batch.labels.buffer as ArrayBuffer]),
    (e: unknown) => port.postMessage({ job: request.job, error: e instanceof Error ? e.message : String(e) }),
  );
});
