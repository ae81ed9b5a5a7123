// Interactive Segment Anything over HTTP: POST /v1/sam/images encodes an image once (cached by the
// SAM worker), then GET /v1/sam/masks (clicks and/or a box) and GET /v1/sam/everything (the
// automatic mask generator) answer from the cached embedding. Prompts are query parameters:
// points=x,y[,label];x,y[,label]… and box=x0,y0,x1,y1 in image pixels; malformed ones are 400s
// naming the parameter.
import type { FastifyInstance } from "fastify";
import { HttpError } from "./http-error.js";
import { decodeUpload } from "./image-body.js";
import type { ModelHost } from "./model-host.js";
import { uploadOf } from "./segment-route.js";

const modelParam = { type: "string", description: "a served SAM model's name (default: the first)" } as const;
const imageParam = { type: "string", description: "the key POST /v1/sam/images gave" } as const;

function samHost(hosts: ReadonlyMap<string, ModelHost>, name: string | undefined): ModelHost {
  const chosen = name ?? [...hosts.keys()][0];
  const host = chosen === undefined ? undefined : hosts.get(chosen);
  if (!host) throw new HttpError(404, `model: no SAM model "${chosen}" is served; SAM models: ${[...hosts.keys()].join(", ") || "none"}`);
  return host;
}

/** "a,b,c" → finite numbers, `counts` the allowed lengths; errors name `field`. */
function numbers(field: string, text: string, counts: number[], form: string): number[] {
  const parts = text.split(",");
  const values = parts.map(Number);
  if (!counts.includes(parts.length) || parts.some((p) => p.trim() === "") || values.some((v) => !Number.isFinite(v))) {
    throw new HttpError(400, `${field}: expected ${form}, got "${text}"`);
  }
  return values;
}

export function parsePoints(text: string | undefined): { x: number; y: number; label: number }[] {
  if (text === undefined || text === "") return [];
  return text.split(";").map((point, i) => {
    const [x, y, label = 1] = numbers(`points[${i}]`, point, [2, 3], "x,y or x,y,label");
    if (label !== 0 && label !== 1) throw new HttpError(400, `points[${i}]: the label must be 1 (foreground) or 0 (background), got ${label}`);
    return { x, y, label };
  });
}

export function parseBox(text: string | undefined): [number, number, number, number] | undefined {
  if (text === undefined || text === "") return undefined;
  const [x0, y0, x1, y1] = numbers("box", text, [4], "x0,y0,x1,y1");
  if (!(x0 < x1 && y0 < y1)) throw new HttpError(400, `box: x0 < x1 and y0 < y1 needed, got ${text}`);
  return [x0, y0, x1, y1];
}

export function samRoutes(app: FastifyInstance, hosts: ReadonlyMap<string, ModelHost>, maxPixels: number): void {
  app.post<{ Querystring: { model?: string } }>("/v1/sam/images", {
    schema: {
      summary: "SAM: encode an image once; its key then serves /v1/sam/masks and /v1/sam/everything",
      querystring: { type: "object", additionalProperties: false, properties: { model: modelParam } },
    },
  }, async (request) => {
    const host = samHost(hosts, request.query.model);
    const { bytes, type } = await uploadOf(request);
    const image = await decodeUpload(bytes, type, maxPixels);
    return host.sam({ kind: "sam-embed", width: image.width, height: image.height, pixels: image.pixels });
  });

  app.get<{ Querystring: { model?: string; image: string; points?: string; box?: string; multimask?: boolean } }>("/v1/sam/masks", {
    schema: {
      summary: "SAM: masks (binary PNGs, base64) and predicted IoUs for clicks and/or a box on an encoded image",
      querystring: {
        type: "object", additionalProperties: false, required: ["image"],
        properties: {
          model: modelParam, image: imageParam,
          points: { type: "string", description: "x,y[,label];… in image pixels, label 1 foreground (default), 0 background" },
          box: { type: "string", description: "x0,y0,x1,y1 in image pixels" },
          multimask: { type: "boolean", default: true, description: "three masks for an ambiguous prompt, or one" },
        },
      },
    },
  }, async (request) => {
    const { model, image, points, box, multimask = true } = request.query;
    const host = samHost(hosts, model);
    const prompt = { points: parsePoints(points), box: parseBox(box) };
    if (prompt.points.length === 0 && !prompt.box) throw new HttpError(400, "points, box: give clicks (points) and/or a box");
    return host.sam({ kind: "sam-masks", image, ...prompt, multimask });
  });

  app.get<{ Querystring: { model?: string; image: string; pointsPerSide?: number; predIouThresh?: number; stabilityThresh?: number } }>("/v1/sam/everything", {
    schema: {
      summary: "SAM: segment everything on an encoded image: the masks' scores and one label PNG (1 + mask index; 0 none)",
      querystring: {
        type: "object", additionalProperties: false, required: ["image"],
        properties: {
          model: modelParam, image: imageParam,
          pointsPerSide: { type: "integer", minimum: 1, maximum: 64, default: 16, description: "grid points per side" },
          predIouThresh: { type: "number", minimum: 0, maximum: 1, default: 0.88, description: "keep masks with predicted IoU above this" },
          stabilityThresh: { type: "number", minimum: 0, maximum: 1, default: 0.95, description: "keep masks with stability score at least this" },
        },
      },
    },
  }, async (request) => {
    const { model, image, pointsPerSide = 16, predIouThresh = 0.88, stabilityThresh = 0.95 } = request.query;
    return samHost(hosts, model).sam({ kind: "sam-everything", image, pointsPerSide, predIouThresh, stabilityThresh });
  });
}
