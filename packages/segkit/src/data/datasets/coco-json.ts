// Reading COCO annotation files (instances and panoptic share their "images" and "categories"):
// every error names the file and the key path, e.g. `x.json: annotations[3].segments_info[1].id`.
import { readFileSync } from "node:fs";
import type { Rgb } from "../types.js";
import { vocColourMap } from "./palette.js";

export type Json = Record<string, unknown>;

/** The parsed JSON of an annotation or results file; errors name the file. */
export function readJsonFile(file: string, where: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${where}: cannot read annotation file ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: annotation file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export function readCocoJson(file: string, where: string): Json {
  const json = readJsonFile(file, where);
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error(`${where}: annotation file ${file} must hold a JSON object`);
  return json as Json;
}

/** Reads typed fields of one JSON object, naming `path` (file: key path) in errors. */
export class JsonFields {
  constructor(
    readonly value: Json,
    readonly path: string,
  ) {}

  /** The objects of array `key`, each with its own path. */
  objects(key: string): JsonFields[] {
    const v = this.value[key];
    if (!Array.isArray(v)) throw new Error(`${this.path}.${key} must be an array, got ${describe(v)}`);
    return v.map((item, i) => {
      const path = `${this.path}.${key}[${i}]`;
      if (typeof item !== "object" || item === null || Array.isArray(item)) throw new Error(`${path} must be an object, got ${describe(item)}`);
      return new JsonFields(item as Json, path);
    });
  }

  integer(key: string, fallback?: number): number {
    const v = this.value[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`${this.path}.${key} must be an integer, got ${describe(v)}`);
    return v;
  }

  number(key: string): number {
    const v = this.value[key];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${this.path}.${key} must be a finite number, got ${describe(v)}`);
    return v;
  }

  /** A box [x, y, width, height]. */
  box(key: string): [number, number, number, number] {
    const v = this.value[key];
    if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === "number" && Number.isFinite(x))) throw new Error(`${this.path}.${key} must be a box [x, y, width, height], got ${describe(v)}`);
    return v as [number, number, number, number];
  }

  /** An id: COCO's are integers, converted datasets' (Cityscapes panoptic) strings. */
  id(key: string): number | string {
    const v = this.value[key];
    if (!(typeof v === "string" && v.length > 0) && !(typeof v === "number" && Number.isInteger(v))) throw new Error(`${this.path}.${key} must be an integer or a string id, got ${describe(v)}`);
    return v;
  }

  string(key: string): string {
    const v = this.value[key];
    if (typeof v !== "string" || v.length === 0) throw new Error(`${this.path}.${key} must be a non-empty string, got ${describe(v)}`);
    return v;
  }

  /** COCO writes flags as 0/1 (sometimes true/false). */
  flag(key: string, fallback: boolean): boolean {
    const v = this.value[key] ?? fallback;
    if (v !== 0 && v !== 1 && typeof v !== "boolean") throw new Error(`${this.path}.${key} must be 0 or 1, got ${describe(v)}`);
    return Boolean(v);
  }
}

function describe(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v)?.slice(0, 40) ?? String(v);
}

export interface CocoCategories {
  names: string[];
  isThing: boolean[];
  palette: Rgb[];
  /** COCO category id → class index. */
  indexOf: Map<number, number>;
}

/** The "categories" in file order as classes 0..K−1 (COCO's ids are sparse); their "color" is the palette. */
export function cocoCategories(json: JsonFields, thingsByDefault: boolean): CocoCategories {
  const categories = json.objects("categories");
  if (categories.length === 0 || categories.length > 255) throw new Error(`${json.path}.categories must list 1 to 255 categories (labels are bytes, 255 is ignore), got ${categories.length}`);
  const fallback = vocColourMap(categories.length);
  const indexOf = new Map<number, number>();
  const palette = categories.map((c, i): Rgb => {
    const id = c.integer("id");
    if (indexOf.has(id)) throw new Error(`${c.path}.id ${id} is listed twice`);
    indexOf.set(id, i);
    const colour = c.value.color;
    if (colour === undefined) return fallback[i];
    if (!Array.isArray(colour) || colour.length !== 3 || !colour.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) throw new Error(`${c.path}.color must be [r, g, b] bytes, got ${describe(colour)}`);
    return colour as Rgb;
  });
  return { names: categories.map((c) => c.string("name")), isThing: categories.map((c) => c.flag("isthing", thingsByDefault)), palette, indexOf };
}

/** The class index of category_id in `record`, naming the key when it is unknown. */
export function categoryIndex(record: JsonFields, categories: CocoCategories): number {
  const id = record.integer("category_id");
  const index = categories.indexOf.get(id);
  if (index === undefined) throw new Error(`${record.path}.category_id ${id} is not in categories`);
  return index;
}

export interface CocoImage {
  fileName: string;
  width: number;
  height: number;
}

/** "images" by id. */
export function cocoImages(json: JsonFields): Map<number | string, CocoImage> {
  const images = new Map<number | string, CocoImage>();
  for (const image of json.objects("images")) {
    const id = image.id("id");
    if (images.has(id)) throw new Error(`${image.path}.id ${JSON.stringify(id)} is listed twice`);
    images.set(id, { fileName: image.string("file_name"), width: image.integer("width"), height: image.integer("height") });
  }
  return images;
}
