// Models that `segkit export` refuses, each with the reason: a model whose forward cannot be recorded
// or translated is registered here beside its registration (SegNeXt's, for its random NMF bases).
// Every other zoo model, recorded at 64×64, translated to ONNX and matched onnxruntime (CI keeps ten
// in test/export-zoo.test.ts).
const NOT_EXPORTABLE = new Map<string, string>();

export function registerNotExportable(name: string, reason: string): void {
  NOT_EXPORTABLE.set(name, reason);
}

/** Why the registered model `name` cannot be exported, or null when it can. */
export function notExportableReason(name: string): string | null {
  return NOT_EXPORTABLE.get(name) ?? null;
}
