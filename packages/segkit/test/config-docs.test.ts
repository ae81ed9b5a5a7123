// docs/config.md is generated from the registry (npm run docs) and must match it; `segkit list`
// prints the same entries, per kind or all, and refuses an unknown kind by name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KINDS, registered } from "../src/config/registry.js";
import { configReference, entries, type Entry } from "../src/config/reference.js";
import "../src/index.js";

const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const docs = fileURLToPath(new URL("../../../../docs/config.md", import.meta.url));

test("docs/config.md is what npm run docs writes from the registry", () => {
  const written = readFileSync(docs, "utf8");
  assert.ok(written === configReference(), "docs/config.md is stale: run `npm run docs` and commit docs/config.md");
});

test("the reference has a table row for every registered name, with its options and former names", () => {
  const reference = configReference();
  for (const kind of KINDS) {
    for (const name of registered(kind)) assert.ok(reference.includes(`| \`${name}\` |`), `${kind} ${name}`);
  }
  assert.match(reference, /\| `random_flip` \| `prob`, `direction` \| mirror with a probability \(formerly `RandomFlip`\) \|/);
});

test("segkit list prints every kind, or one, with options and summaries", () => {
  const all = JSON.parse(execFileSync(process.execPath, [cli, "list", "--json"], { encoding: "utf8" })) as Entry[];
  assert.deepEqual(all, JSON.parse(JSON.stringify(entries())));
  assert.deepEqual(new Set(all.map((e) => e.kind)), new Set(KINDS.filter((k) => registered(k).length > 0)));
  const losses = execFileSync(process.execPath, [cli, "list", "loss"], { encoding: "utf8" });
  assert.match(losses, /^loss \(\d+\)\n/);
  assert.match(losses, /  cross_entropy +softmax cross-entropy .*\n +options: .*ignoreIndex.*; formerly cross-entropy\n/);
  assert.doesNotMatch(losses, /^model/m);
});

test("an unknown kind is refused, naming the kinds", () => {
  assert.throws(() => execFileSync(process.execPath, [cli, "list", "losses"], { stdio: "pipe" }),
    (e: { stderr: Buffer }) => /unknown kind "losses" \(did you mean "loss"\?\); kinds: model, instance_model, backbone/.test(e.stderr.toString()));
});
