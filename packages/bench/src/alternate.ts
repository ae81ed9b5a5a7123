// Runs two sides of a comparison in alternating rounds after warming both up, so that load from
// other processes on a shared machine falls on both alike; the side that goes first swaps every
// round so that neither always runs in the other's cache or frequency shadow.
import { median } from "./median.js";

export interface Side {
  /** One timed round; returns its measure (milliseconds, or whatever the suite compares). */
  round(index: number): number | Promise<number>;
}

export interface Alternated {
  ours: number[];
  peer: number[];
  oursMedian: number;
  peerMedian: number;
  /** oursMedian / peerMedian. */
  ratio: number;
}

export async function alternate(sides: { ours: Side; peer: Side }, options: { rounds: number; warmup: number }): Promise<Alternated> {
  if (options.rounds < 1 || options.warmup < 1) throw new Error("alternate: both sides need at least one warm-up and one timed round");
  for (let i = 0; i < options.warmup; i++) {
    await sides.ours.round(-1 - i);
    await sides.peer.round(-1 - i);
  }
  const ours: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < options.rounds; i++) {
    if (i % 2 === 0) {
      ours.push(await sides.ours.round(i));
      peer.push(await sides.peer.round(i));
    } else {
      peer.push(await sides.peer.round(i));
      ours.push(await sides.ours.round(i));
    }
  }
  const oursMedian = median(ours);
  const peerMedian = median(peer);
  return { ours, peer, oursMedian, peerMedian, ratio: oursMedian / peerMedian };
}
