#!/usr/bin/env node
// Writes DIR/app/{package.json,package-lock.json} for installing the packed tarballs in DIR with
// `npm ci --offline`: the tarballs by file, their dependencies at the versions and integrities the
// workspace's lockfile pins, so npm reads only its cache (a registry-wide resolve would need packuments).
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) throw new Error("usage: pack-lockfile.mjs DIR (the folder holding the npm pack tarballs)");
const workspaceLock = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8"));

const packages = {};
const root = { name: "segkit-pack-test", version: "0.0.0", dependencies: {} };
const workspaces = ["torch", "metrics", "classic", "segkit"].map((w) => JSON.parse(readFileSync(new URL(`../packages/${w}/package.json`, import.meta.url), "utf8")));
for (const { name, version, dependencies, license, bin, scripts } of workspaces) {
  const file = `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
  const bytes = readFileSync(join(dir, file));
  root.dependencies[name] = `file:../${file}`;
  packages[`node_modules/${name}`] = {
    version, resolved: `file:../${file}`,
    integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
    license, ...(bin ? { bin } : {}), ...(dependencies ? { dependencies } : {}), ...(scripts?.install ? { hasInstallScript: true } : {}),
  };
}
// Registry packages the workspaces need at run time: the lockfile's entries not marked dev.
for (const [path, entry] of Object.entries(workspaceLock.packages)) {
  if (path.startsWith("node_modules/") && !entry.dev && !entry.link) packages[path] = entry;
}

const app = join(dir, "app");
mkdirSync(app, { recursive: true });
writeFileSync(join(app, "package.json"), `${JSON.stringify({ ...root, private: true }, null, 2)}\n`);
writeFileSync(join(app, "package-lock.json"), `${JSON.stringify({
  name: root.name, version: root.version, lockfileVersion: 3, requires: true,
  packages: { "": root, ...packages },
}, null, 2)}\n`);
