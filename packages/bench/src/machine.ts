// The facts a benchmark figure depends on, recorded in every suite's JSON line: the processor and its
// vector extensions (AVX2 and AVX-512 machines give different ratios), the libtorch and BLAS this
// process and the Python peer actually loaded, and the OpenBLAS overrides in the environment.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

export const PYTHON = "/usr/bin/python3"; // Debian's, with python3-torch and numpy (not a python on PATH)

/**
 * The environment for a Python peer: `env`, plus LD_PRELOAD of the library SEGKIT_BENCH_PEER_PRELOAD
 * names (e.g. Debian's libjemalloc2, /usr/lib/x86_64-linux-gnu/libjemalloc.so.2) in the peer only.
 * Our side runs with the addon's caching allocator; this gives a second figure against PyTorch with
 * a caching malloc. The headline stays the untuned peer; the JSON's peer libraries show the preload.
 */
export function peerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const preload = process.env.SEGKIT_BENCH_PEER_PRELOAD;
  if (!preload) return env;
  if (!existsSync(preload)) throw new Error(`SEGKIT_BENCH_PEER_PRELOAD names ${preload}, which does not exist`);
  return { ...env, LD_PRELOAD: preload };
}

export interface Machine {
  cpu: string;
  cores: number;
  avx2: boolean;
  avx512f: boolean;
  /** OPENBLAS_* variables in force (they pick BLAS kernels on some processors). */
  openblasEnv: Record<string, string>;
  /** Shared libraries of interest mapped into this process (libtorch, BLAS, OpenMP), by real path. */
  libraries: string[];
  node: string;
}

export interface PeerRuntime {
  python: string;
  torch: string;
  numpy: string;
  /** The same kind of library list as Machine.libraries, from inside the Python process. */
  libraries: string[];
}

const INTERESTING = /libtorch_cpu|blas|lapack|libgomp|libiomp|libomp|jemalloc|tcmalloc/;

/** Libraries of interest in a /proc/<pid>/maps text. */
export function mappedLibraries(maps: string): string[] {
  const paths = new Set<string>();
  for (const line of maps.split("\n")) {
    const path = line.slice(line.indexOf("/"));
    if (line.includes("/") && INTERESTING.test(path)) paths.add(path.trim());
  }
  return [...paths].sort();
}

export function machine(): Machine {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? "").trim().split(/\s+/));
  const openblasEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("OPENBLAS_")) as [string, string][]);
  return {
    cpu: /^model name\s*:(.*)$/m.exec(cpuinfo)?.[1].trim() ?? "unknown",
    cores: availableParallelism(),
    avx2: flags.has("avx2"),
    avx512f: flags.has("avx512f"),
    openblasEnv,
    libraries: mappedLibraries(readFileSync("/proc/self/maps", "utf8")),
    node: process.version,
  };
}

// Loads torch and numpy, runs one matrix product so that BLAS is mapped, and reports what it loaded.
const PEER_PROBE = `
import json, sys, numpy, torch
torch.ones(64, 64) @ torch.ones(64, 64)
print(json.dumps({"python": sys.version.split()[0], "torch": torch.__version__, "numpy": numpy.__version__,
                  "maps": open("/proc/self/maps").read()}))
`;

export function peerRuntime(): PeerRuntime {
  const out = JSON.parse(execFileSync(PYTHON, ["-c", PEER_PROBE], { encoding: "utf8", maxBuffer: 64 << 20, env: peerEnv() })) as PeerRuntime & { maps: string };
  return { python: out.python, torch: out.torch, numpy: out.numpy, libraries: mappedLibraries(out.maps) };
}
