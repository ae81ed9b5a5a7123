// Registered names are greppable and follow one convention: every name and former name is a string
// literal where it is defined (no names built in loops or template literals), every current name is
// snake_case, and a former name still builds with a one-time deprecation note naming the new one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, currentName, KINDS, register, registered, type Kind } from "../src/config/registry.js";
import "../src/index.js";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") ? [{ file: path, text: readFileSync(path, "utf8") }] : [];
  });
}
const files = sources(SRC);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Where `name` is defined: a register call's name argument, a spec's `name:`, or a `formerly` list. */
function definitionsOf(kind: Kind, name: string): string[] {
  const n = escape(name);
  const at = new RegExp(`register(?:<[^>]*>)?\\(\\s*"${kind}",\\s*"${n}"|\\bname:\\s*"${n}"|formerly:\\s*\\[[^\\]]*"${n}"`);
  return files.filter((f) => at.test(f.text)).map((f) => f.file);
}

test("the sources hold their registrations", () => assert.ok(files.length > 100 && files.some((f) => f.file.endsWith("registry.ts")), SRC));

test("every registered name is a literal at its definition, found by grep", () => {
  for (const kind of KINDS) {
    const names = registered(kind);
    assert.ok(names.length > 0, `no ${kind} registered`);
    for (const name of names) assert.equal(definitionsOf(kind, name).length, 1, `${kind} "${name}": defined literally in exactly one file`);
  }
  assert.deepEqual(definitionsOf("model", "deeplabv3_resnet50").map((f) => f.slice(SRC.length + 1)), ["models/segmentors/encoder-decoder/variants.ts"]);
});

test("no registration builds its name: no template literal or variable as a register call's name", () => {
  // A plain call only: `app.register(plugin, …)` is Fastify's plugin API, not the registry.
  const call = /(?<![.\w])register(?:<[^>]*>)?\(\s*("[a-z]+"|[^,]+),\s*([^,]+),/g;
  for (const { file, text } of files) {
    if (file.endsWith("config/registry.ts")) continue;
    for (const m of text.matchAll(call)) {
      const name = m[2].trim();
      // The loss index registers each spec under its own literal `name:` (checked above).
      const ok = /^"[^"`$]+"$/.test(name) || (file.endsWith("losses/index.ts") && name === "spec.name");
      assert.ok(ok, `${file}: register(${m[1]}, ${name}, ...) must name it with a string literal`);
    }
    assert.doesNotMatch(text, /(?<![.\w])register(?:<[^>]*>)?\([^)]*?`/, `${file}: a template literal in a register call`);
  }
});

test("every current name is snake_case (docs/config.md states the convention)", () => {
  for (const kind of KINDS) {
    for (const name of registered(kind)) assert.match(name, /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, `${kind} "${name}"`);
  }
});

test("a former name builds the same thing and notes the new name once per process", () => {
  const notes: string[] = [];
  const listen = (w: Error): void => void notes.push(w.message);
  process.on("warning", listen);
  assert.equal(currentName("transform", "RandomFlip"), "random_flip");
  assert.equal(currentName("optimizer", "SGD"), "sgd");
  assert.equal(currentName("loss", "cross-entropy"), "cross_entropy");
  assert.equal(currentName("dataset", "coco-stuff"), "coco_stuff");
  assert.equal(currentName("loss", "dice"), "dice", "a current name is itself");
  const flip = build<unknown>("transform", { type: "RandomFlip", prob: 1 });
  assert.equal(typeof flip, "function");
  assert.throws(() => build("transform", { type: "RandomFlip", bogus: 1 }), /transform "RandomFlip"\): unknown key "bogus"/);
  // Warnings are delivered on the next tick.
  return new Promise<void>((done) => setImmediate(() => {
    process.off("warning", listen);
    assert.deepEqual(notes.filter((n) => n.includes("RandomFlip")), ['transform "RandomFlip" is now called "random_flip"; the old name will be removed']);
    done();
  }));
});

test("a former name cannot be registered again, nor a name twice", () => {
  const builder = { options: [], build: () => 0 };
  assert.throws(() => register("transform", "RandomFlip", builder), /transform "RandomFlip" is registered twice/);
  assert.throws(() => register("transform", "random_flip", builder), /transform "random_flip" is registered twice/);
  assert.throws(() => register("loss", "fresh_name", { ...builder, formerly: ["dice"] }), /loss "dice" is registered twice/);
});
