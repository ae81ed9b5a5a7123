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

/** The served Segment Anything models' names. */
export async function listSamModels(): Promise<string[]> {
  const body = (await (await checked(await fetch("v1/models", { headers: headers() }))).json()) as { sam?: { name: string }[] };
  return (body.sam ?? []).map((m) => m.name);
}

export interface SamImage {
  image: string;
  width: number;
  height: number;
}

export interface SamMask {
  predictedIou: number;
  area: number;
  /** 0/1 label PNG, base64. */
  png: string;
}

/** Encodes the image on the server (once: it caches the embedding); prompts then refer to its key. */
export async function samEncode(file: Blob, model: string): Promise<SamImage> {
  const response = await fetch(`v1/sam/images?model=${encodeURIComponent(model)}`, { method: "POST", headers: headers({ "content-type": file.type || "application/octet-stream" }), body: file });
  return (await (await checked(response)).json()) as SamImage;
}

export async function samMasks(model: string, image: string, points: { x: number; y: number; label: number }[], box: number[] | null): Promise<SamMask[]> {
  const query = new URLSearchParams({ model, image });
  if (points.length > 0) query.set("points", points.map((p) => `${p.x},${p.y},${p.label}`).join(";"));
  if (box) query.set("box", box.join(","));
  return ((await (await checked(await fetch(`v1/sam/masks?${query}`, { headers: headers() }))).json()) as { masks: SamMask[] }).masks;
}

/** Segment everything: one label PNG (1 + mask index, 0 none), base64, and the masks' count. */
export async function samEverything(model: string, image: string, thresholds: { predIouThresh: number; stabilityThresh: number }): Promise<{ labelPng: string; masks: unknown[] }> {
  const query = new URLSearchParams({ model, image, predIouThresh: String(thresholds.predIouThresh), stabilityThresh: String(thresholds.stabilityThresh) });
  return (await (await checked(await fetch(`v1/sam/everything?${query}`, { headers: headers() }))).json()) as { labelPng: string; masks: unknown[] };
}
