// Installs the generated operators as Tensor methods: x.add(y) is add(x, y).
import { Tensor } from "./tensor.js";
import { invoke } from "./dispatch.js";
import { METHOD_NAMES, OPS, type TensorMethods } from "./generated/ops.js";

declare module "./tensor.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends TensorMethods {}
}

for (const name of METHOD_NAMES) {
  const table = OPS[name];
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...args: unknown[]) {
      return invoke(table, [this, ...args]);
    },
    writable: true,
    configurable: true,
  });
}
