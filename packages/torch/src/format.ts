// Text form of a tensor, PyTorch-like: nested brackets, long dimensions summarised with "...".
const EDGE = 3;
const SUMMARISE_ABOVE = 1000;

function formatNumber(v: number, integral: boolean): string {
  if (integral || !Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-4)) return v.toExponential(4);
  return v.toFixed(4);
}

export function formatTensor(shape: number[], dtype: string, values: number[], requiresGrad: boolean): string {
  const integral = !dtype.startsWith("float") && !dtype.startsWith("bfloat") && !dtype.startsWith("complex");
  const summarise = values.length > SUMMARISE_ABOVE;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const render = (dim: number, offset: number, indent: string): string => {
    if (dim === shape.length) return formatNumber(values[offset], integral);
    const n = shape[dim];
    const picks = summarise && n > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    const parts = picks.map((i) => (i < 0 ? "..." : render(dim + 1, offset + i * strides[dim], indent + " ")));
    const sep = dim === shape.length - 1 ? ", " : ",\n" + indent + " ";
    return "[" + parts.join(sep) + "]";
  };
  const body = shape.length === 0 ? formatNumber(values[0], integral) : render(0, 0, "       ");
  const extras = [`shape=[${shape.join(", ")}]`, `dtype=${dtype}`];
  if (requiresGrad) extras.push("requiresGrad=true");
  return `tensor(${body}, ${extras.join(", ")})`;
}
