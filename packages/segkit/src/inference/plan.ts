// Test-time inference is written once for every engine as a plan: a generator that yields each image
// batch the network must see and is resumed with that batch's logits. runPlan drives it with a
// synchronous network (a libtorch Segmentor, inside the caller's tidy scope); runPlanAsync with an
// engine whose run is asynchronous (onnxruntime). A plan disposes every tensor it makes and every
// logits tensor it is given, so it needs no tidy scope across the awaits.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Yields network inputs (owned by the plan: do not keep them), is resumed with their logits (handed over to the plan). */
export type Plan<T> = Generator<Tensor, T, Tensor>;

export function runPlan<T>(plan: Plan<T>, network: (batch: Tensor) => Tensor): T {
  let step = plan.next();
  try {
    while (!step.done) {
      const input = step.value;
      step = plan.next(torch.tidy(() => network(input)));
    }
  } catch (e) {
    plan.return(undefined as T); // runs the plan's finally blocks: its tensors are freed
    throw e;
  }
  return step.value;
}

export async function runPlanAsync<T>(plan: Plan<T>, network: (batch: Tensor) => Promise<Tensor>): Promise<T> {
  let step = plan.next();
  try {
    while (!step.done) step = plan.next(await network(step.value));
  } catch (e) {
    plan.return(undefined as T);
    throw e;
  }
  return step.value;
}
