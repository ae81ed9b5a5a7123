#!/usr/bin/env node
// Locates libtorch for the native build, in the order DESIGN.md gives:
// 1. $LIBTORCH (an official libtorch zip layout), 2. the `torch` of a Python on PATH,
// 3. the system (Debian/Ubuntu libtorch-dev).
// Prints JSON, or one field for binding.gyp: --field includes|libdir|defines|source.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

function fromLayout(root, source, cxx11Abi) {
  const includes = [join(root, "include"), join(root, "include/torch/csrc/api/include")];
  const libdir = join(root, "lib");
  if (!existsSync(join(includes[0], "ATen/ATen.h")) || !existsSync(libdir)) return null;
  return { source, includes, libdir, defines: cxx11Abi === undefined ? [] : [`_GLIBCXX_USE_CXX11_ABI=${cxx11Abi}`] };
}

function fromEnv() {
  const root = process.env.LIBTORCH;
  if (!root) return null;
  const found = fromLayout(root, `LIBTORCH=${root}`, process.env.LIBTORCH_CXX11_ABI);
  if (!found) throw new Error(`LIBTORCH=${root} does not look like a libtorch tree (expected include/ATen/ATen.h and lib/)`);
  return found;
}

function fromPython() {
  try {
    const out = execFileSync(
      "python3",
      ["-c", "import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI))"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    ).trim().split("\n");
    return fromLayout(out[0], `python3 torch at ${out[0]}`, out[1]);
  } catch {
    return null;
  }
}

function fromSystem() {
  const libdirs = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"];
  const libdir = libdirs.find((d) => existsSync(join(d, "libtorch_cpu.so")));
  if (!libdir || !existsSync("/usr/include/ATen/ATen.h")) return null;
  return { source: "system", includes: ["/usr/include", "/usr/include/torch/csrc/api/include"], libdir, defines: [] };
}

export function findLibtorch() {
  return fromEnv() ?? fromPython() ?? fromSystem();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = findLibtorch();
  if (!found) {
    console.error("libtorch not found: set LIBTORCH to an unpacked libtorch, or install it: apt-get install -y libtorch-dev");
    process.exit(1);
  }
  const field = process.argv[process.argv.indexOf("--field") + 1];
  if (process.argv.includes("--field")) {
    const value = found[field];
    console.log(Array.isArray(value) ? value.join(" ") : value);
  } else {
    console.log(JSON.stringify(found));
  }
}
