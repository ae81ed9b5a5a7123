// While a forward pass is being recorded for export, a tensor value read into JS would be baked into
// the graph as a constant (or steer TypeScript control flow the graph cannot follow): such reads stop
// the export instead, naming what read the value.
let recording = false;
/** State-dict paths of the modules whose forward is running, outermost first. */
const modules: string[] = [];

export function setRecording(on: boolean): void {
  recording = on;
  modules.length = 0;
}

export function enterModule(path: string): void {
  modules.push(path);
}

export function leaveModule(): void {
  modules.pop();
}

/** " in module backbone.layer1.0" for the innermost running module, "" at the top. */
function moduleClause(): string {
  const path = modules[modules.length - 1];
  return path ? ` in module ${path}` : "";
}

export function isRecording(): boolean {
  return recording;
}

/** Throws when a recording is under way; `what` names the read (e.g. "Tensor.item()"). */
export function refuseWhileRecording(what: string): void {
  if (recording) {
    throw new Error(`export: ${what}${moduleClause()} reads a tensor's value into JS during the recorded forward pass; ` +
      "the exported graph cannot depend on data read into JS (the model is not exportable as written)");
  }
}
