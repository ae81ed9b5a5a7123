// The server's API as the page uses it: the models and POST /v1/segment (JSON format).
export type Rgb = [number, number, number];

export interface ServedClass {
  index: number;
  name: string;
  colour: Rgb;
}

export interface ServedModel {
  name: string;
  engine: string;
  /** Image sides must be multiples of it in the in-browser mode. */
  divisor: number;
  classes: ServedClass[];
}

export interface Segmentation {
  model: string;
  width: number;
  height: number;
  milliseconds: number;
  classes: (ServedClass & { pixels: number; fraction: number })[];
  /** The indexed label PNG, base64. */
  labelPng: string;
  /** Each pixel's probability of its class, round(255 × p), as an 8-bit PNG, base64 (asked with confidence=true). */
  confidencePng?: string;
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = (document.getElementById("token") as HTMLInputElement).value.trim();
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

async function checked(response: Response): Promise<Response> {
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`;
  try {
    message = `${response.status}: ${((await response.json()) as { error: string }).error}`;
  } catch {
    // not JSON: the status line says enough
  }
  throw new Error(message);
}

export async function listModels(): Promise<ServedModel[]> {
  return ((await (await checked(await fetch("v1/models", { headers: headers() }))).json()) as { models: ServedModel[] }).models;
}

export async function segment(file: Blob, model: string): Promise<Segmentation> {
  const type = file.type || "application/octet-stream";
  const response = await fetch(`v1/segment?model=${encodeURIComponent(model)}&confidence=true`, { method: "POST", headers: headers({ "content-type": type }), body: file });
  return (await (await checked(response)).json()) as Segmentation;
}

/** The model as ONNX (uint8 pixels in, logits out), for the in-browser mode. */
export async function fetchOnnx(model: string): Promise<Uint8Array> {
  return new Uint8Array(await (await checked(await fetch(`v1/models/${encodeURIComponent(model)}/model.onnx`, { headers: headers() }))).arrayBuffer());
}
