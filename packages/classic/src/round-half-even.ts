/**
 * Rounds half to even, as numpy's round and SSE's rounding do: Math.round takes halves up, so an
 * odd result r = v + ½ steps back (r & 1 keeps r's parity for any integer below 2⁵³).
 */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}
