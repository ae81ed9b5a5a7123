// Prometheus metrics of one server (its own registry, so several servers in a process stay apart):
// requests by route and status, latency, and per model the queue depth, jobs computing and what its
// workers hold (native tensors, their JS heaps and external bytes: the process-wide figures from
// collectDefaultMetrics are the main thread's isolate only).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ModelHost } from "./model-host.js";

export interface ServerMetrics {
  registry: Registry;
  requests: Counter<"route" | "status">;
  latency: Histogram<"route">;
}

export function serverMetrics(hosts: readonly ModelHost[]): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "segkit_" });
  const requests = new Counter({ name: "segkit_http_requests_total", help: "HTTP requests by route and status", labelNames: ["route", "status"], registers: [registry] });
  const latency = new Histogram({
    name: "segkit_http_request_duration_seconds", help: "HTTP request latency by route", labelNames: ["route"], registers: [registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const perModel = (name: string, help: string, value: (h: ModelHost) => number) =>
    new Gauge({
      name, help, labelNames: ["model"], registers: [registry],
      collect() {
        for (const h of hosts) this.set({ model: h.name }, value(h));
      },
    });
  perModel("segkit_queue_depth", "jobs waiting for a worker", (h) => h.queueDepth);
  perModel("segkit_in_flight", "jobs being computed", (h) => h.inFlight);
  perModel("segkit_worker_live_tensors", "native tensors alive in the model's workers after their last job", (h) => h.workerTensors);
  perModel("segkit_worker_heap_used_bytes", "JS heap in use in the model's workers after their last job", (h) => h.workerHolding.heapUsed);
  perModel("segkit_worker_external_bytes", "bytes held outside the JS heap (ArrayBuffers) by the model's workers after their last job", (h) => h.workerHolding.external);
  return { registry, requests, latency };
}
