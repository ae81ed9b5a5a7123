#!/usr/bin/env node
// Builds the addon with node-gyp when a source is newer than the built binary (setup calls this on
// every run, so it must be cheap when nothing changed).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findLibtorch } from "./find-libtorch.mjs";

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), "../native");
const binary = join(nativeDir, "build/Release/segkit_torch.node");
const inputs = readdirSync(nativeDir).filter((f) => f !== "build").map((f) => join(nativeDir, f));

const builtAt = existsSync(binary) ? statSync(binary).mtimeMs : 0;
const stale = inputs.some((f) => statSync(f).mtimeMs >= builtAt);
if (!stale && !process.argv.includes("--force")) process.exit(0);

// The distributed binding (native/distributed.cc) includes Gloo's headers, which Debian and Ubuntu
// ship apart from libtorch, in libgloo-dev: installed here as root, else named.
function ensureGlooHeaders() {
  const includes = findLibtorch()?.includes ?? [];
  if (includes.some((dir) => existsSync(join(dir, "gloo/config.h")))) return;
  const canInstall = process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (canInstall) {
    console.log("installing Gloo's headers (libgloo-dev) with apt-get");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    const apt = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "libgloo-dev"], { stdio: "inherit", env });
    if (apt.status === 0 && existsSync("/usr/include/gloo/config.h")) return;
  }
  console.error(`Gloo's headers (gloo/config.h) are missing from ${includes.join(", ") || "the libtorch include path"}: ` +
    "install them with `sudo apt-get install -y libgloo-dev` (Debian/Ubuntu), or use a libtorch that ships include/gloo");
  process.exit(1);
}
ensureGlooHeaders();

console.log("building the libtorch addon (a few minutes on 2 cores)...");
// node-gyp is a dev dependency of the workspace; an installed package uses the one npm bundles, which
// npm names in npm_config_node_gyp while it runs install scripts.
function findNodeGyp() {
  try {
    return createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
  } catch {
    if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
    throw new Error("node-gyp not found: install it (npm install -g node-gyp) or run this from npm");
  }
}
const nodeGyp = findNodeGyp();
// Use the running Node's own headers when it ships them (offline machines cannot fetch them).
const nodeRoot = dirname(dirname(process.execPath));
const nodedir = existsSync(join(nodeRoot, "include/node/node_api.h")) ? [`--nodedir=${nodeRoot}`] : [];
const gyp = spawnSync(process.execPath, [nodeGyp, "rebuild", "-j", "max", ...nodedir], { cwd: nativeDir, stdio: "inherit" });
process.exit(gyp.status ?? 1);
