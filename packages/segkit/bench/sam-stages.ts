// Stage times of SAM's prompt → mask path for bench/sam.ts, named as bench/sam_peer.py names the
// authors' stages: each stage's call is wrapped on the model instance (the peer uses forward hooks),
// and whatever the stages leave of a round's total is "other" (prompt checks, token concatenation,
// the JS side). Ours makes the dense PE once per image (0 per prompt); the peer per prompt. The
// peer's "upscaling + mask product" is its output_upscaling alone (its mask product, 8 M
// multiply-adds at 1024², is inline and falls in its "other").
import { median } from "@segkit/bench";
import type { Sam } from "../src/models/sam/index.js";

export interface StageTimer {
  /** Starts a round: the stage times after it go into a new record. */
  start(): void;
  rounds: Record<string, number>[];
}

function wrap<T extends object>(owner: T, method: keyof T & string, add: (ms: number) => void): void {
  const original = owner[method] as (...args: unknown[]) => unknown;
  Object.defineProperty(owner, method, {
    value: (...args: unknown[]) => {
      const start = performance.now();
      try {
        return original.apply(owner, args);
      } finally {
        add(performance.now() - start);
      }
    },
  });
}

export function timeDecoderStages(sam: Sam): StageTimer {
  const timer: StageTimer = { rounds: [], start: () => timer.rounds.push({}) };
  const adder = (name: string) => (ms: number) => {
    const round = timer.rounds.at(-1);
    if (round) round[name] = (round[name] ?? 0) + ms;
  };
  const decoder = sam.mask_decoder;
  wrap(sam.prompt_encoder, "call", adder("prompt encoder"));
  wrap(sam.prompt_encoder, "denseEncoding", adder("dense PE"));
  wrap(decoder.transformer, "call", adder("two-way transformer"));
  wrap(decoder, "maskLogits", adder("upscaling + mask product"));
  for (const mlp of decoder.output_hypernetworks_mlps) wrap(mlp, "call", adder("hypernetwork MLPs"));
  wrap(decoder.iou_prediction_head, "call", adder("IoU head"));
  wrap(sam, "postprocessMasks", adder("postprocess"));
  return timer;
}

export type StageMedians = Record<string, { oursMs: number; peerMs: number }>;

/** Per-stage medians of both sides' rounds, plus "other": the median of each round's total minus its stages. */
export function stageMedians(ours: Record<string, number>[], peer: Record<string, number>[], totals: { ours: number[]; peer: number[] }): StageMedians {
  const names = [...new Set([...ours, ...peer].flatMap((round) => Object.keys(round)))];
  const of = (rounds: Record<string, number>[], name: string) => median(rounds.map((round) => round[name] ?? 0));
  const rest = (rounds: Record<string, number>[], total: number[]) =>
    median(rounds.map((round, i) => total[i] - Object.values(round).reduce((a, b) => a + b, 0)));
  const out: StageMedians = {};
  for (const name of names) out[name] = { oursMs: of(ours, name), peerMs: of(peer, name) };
  out.other = { oursMs: rest(ours, totals.ours), peerMs: rest(peer, totals.peer) };
  return out;
}
