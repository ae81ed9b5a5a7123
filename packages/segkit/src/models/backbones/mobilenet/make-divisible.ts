// Channel rounding of the MobileNet papers: the nearest multiple of `divisor`, never more than 10% down.
export function makeDivisible(value: number, divisor: number): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}
