// POST /v1/segment: an image (raw body or multipart file) → JSON (classes, per-class areas and the
// label map as an indexed PNG, base64), or by `format` the label PNG or the overlay PNG itself.
import type { FastifyInstance, FastifyRequest } from "fastify";
import sharp from "sharp";
import { HttpError } from "./http-error.js";
import { decodeUpload } from "./image-body.js";
import type { ModelHost } from "./model-host.js";

export const FORMATS = ["json", "label", "overlay"] as const;

interface SegmentQuery {
  model?: string;
  format?: (typeof FORMATS)[number];
  alpha?: number;
  confidence?: boolean;
}

const classEntry = {
  type: "object",
  properties: {
    index: { type: "integer" }, name: { type: "string" },
    colour: { type: "array", items: { type: "integer" }, minItems: 3, maxItems: 3 },
    pixels: { type: "integer" }, fraction: { type: "number" },
  },
} as const;

const segmentSchema = {
  summary: "segment one image",
  description: "The image is the raw body (image/png, image/jpeg, image/webp, image/tiff or application/octet-stream) or the one file of a multipart/form-data body.",
  querystring: {
    type: "object", additionalProperties: false,
    properties: {
      model: { type: "string", description: "a served model's name (default: the first)" },
      format: { type: "string", enum: FORMATS, default: "json", description: "json, or the label PNG or the overlay PNG itself" },
      alpha: { type: "number", minimum: 0, maximum: 1, default: 0.5, description: "overlay opacity" },
      confidence: { type: "boolean", default: false, description: "format=json: add confidencePng, each pixel's probability of its class (off by default: it doubles the reply)" },
    },
  },
  response: {
    200: {
      description: "format=json (label and overlay give image/png)",
      type: "object",
      properties: {
        model: { type: "string" }, width: { type: "integer" }, height: { type: "integer" }, milliseconds: { type: "number" },
        classes: { type: "array", items: classEntry },
        labelPng: { type: "string", description: "the label map: an indexed PNG (16-bit grey beyond 256 classes), base64" },
        confidencePng: { type: "string", description: "with confidence=true: an 8-bit PNG (256-grey palette) of round(255 × the probability of each pixel's class), base64" },
      },
    },
  },
} as const;

/** The uploaded image: the one file of a multipart body, or the raw body. */
export async function uploadOf(request: FastifyRequest): Promise<{ bytes: Buffer; type: string | undefined }> {
  if (request.isMultipart()) {
    const file = await request.file();
    if (!file) throw new HttpError(400, "the multipart body holds no file");
    return { bytes: await file.toBuffer(), type: file.mimetype };
  }
  if (!Buffer.isBuffer(request.body)) throw new HttpError(400, "the request has no image: send it as the body or as a multipart file");
  return { bytes: request.body, type: request.headers["content-type"] };
}

export function segmentRoute(app: FastifyInstance, hosts: ReadonlyMap<string, ModelHost>, maxPixels: number): void {
  app.post<{ Querystring: SegmentQuery }>("/v1/segment", { schema: segmentSchema }, async (request, reply) => {
    const { model = [...hosts.keys()][0], format = "json", alpha = 0.5, confidence = false } = request.query;
    if (confidence && format !== "json") throw new HttpError(400, `confidence: the confidence map comes with format=json only, not format=${format}`);
    const host = hosts.get(model);
    if (!host) throw new HttpError(404, `no model "${model}" is served; models: ${[...hosts.keys()].join(", ")}`);
    const { bytes, type } = await uploadOf(request);
    const image = await decodeUpload(bytes, type, maxPixels);
    const { width, height } = image;
    const result = await host.segment({ width, height, pixels: image.pixels, confidence, ...(format === "overlay" ? { overlayAlpha: alpha } : {}) });
    if (format === "label") return reply.type("image/png").send(Buffer.from(result.labelPng));
    if (format === "overlay") {
      return reply.type("image/png").send(await sharp(result.overlay!, { raw: { width, height, channels: 3 } }).png().toBuffer());
    }
    const total = width * height;
    const { classes, palette } = host.classes;
    return {
      model, width, height, milliseconds: result.milliseconds,
      classes: classes.map((name, index) => ({ index, name, colour: palette[index], pixels: result.counts[index], fraction: result.counts[index] / total })),
      labelPng: Buffer.from(result.labelPng).toString("base64"),
      ...(result.confidencePng ? { confidencePng: Buffer.from(result.confidencePng).toString("base64") } : {}),
    };
  });
}
