// Zoo models that `segkit export` refuses, each with the reason. Every other registered model
// exports to TorchScript and ONNX (test/export-zoo.test.ts checks the ones its time allows).
const NOT_EXPORTABLE = new Map<string, string>([
  ["enet", "its decoder unpools with aten::max_unpool2d, which has no ONNX translation yet (ONNX MaxUnpool counts indices over the whole tensor, PyTorch within each channel plane)"],
  ["segnet", "its decoder unpools with aten::max_unpool2d, which has no ONNX translation yet (ONNX MaxUnpool counts indices over the whole tensor, PyTorch within each channel plane)"],
]);

/** Why the registered model `name` cannot be exported, or null when it can. */
export function notExportableReason(name: string): string | null {
  return NOT_EXPORTABLE.get(name) ?? null;
}
