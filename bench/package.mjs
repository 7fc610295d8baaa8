// Package: cold import time of @org/hf-jobs against @huggingface/hub (a fresh `node` per import,
// interleaved, medians), the size of our built bundle (raw and gzip) and of the runtime dependency
// tree users install with it (the production dependencies' installed files, walked in node_modules).
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT, fmtMs, median, progress, runWorker, settings } from "./lib.mjs";

export const PACKAGES = { ours: "@org/hf-jobs", hub: "@huggingface/hub" };

export async function benchPackage() {
  const names = Object.keys(PACKAGES);
  const runs = Object.fromEntries(names.map((n) => [n, { importMs: [], processMs: [] }]));
  for (let i = 0; i < settings.importRuns; i++) {
    const order = i % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const started = performance.now();
      const result = await runWorker("worker-import.mjs", { specifier: PACKAGES[name] });
      runs[name].processMs.push(performance.now() - started);
      runs[name].importMs.push(result.importMs);
    }
  }
  const imports = Object.fromEntries(
    names.map((name) => [name, { specifier: PACKAGES[name], importMs: median(runs[name].importMs), processMs: median(runs[name].processMs), runs: runs[name] }]),
  );
  progress(`package: cold import ${fmtMs(imports.ours.importMs)} vs ${fmtMs(imports.hub.importMs)} (hub)`);

  const bundle = {};
  for (const file of ["index.js", "index.cjs", "emulator.js", "cli.js"]) {
    const path = join(ROOT, "dist", file);
    if (!existsSync(path)) continue;
    const content = readFileSync(path);
    bundle[file] = { bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
  }

  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const ourDeps = dependencyTree(ROOT, Object.keys(pkg.dependencies ?? {}));
  // The hub as a user installs it: the package itself and its own dependencies.
  const hubTree = dependencyTree(ROOT, [PACKAGES.hub]);
  return { imports, importRuns: settings.importRuns, bundle, runtimeDependencies: ourDeps, hubInstalled: hubTree };
}

/** Where Node would find package `name` from `fromDir` (walking up the node_modules folders). */
function packageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/** Bytes and files under `dir`, nested node_modules excepted (they are packages of their own). */
function dirSize(dir) {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = dirSize(path);
      bytes += sub.bytes;
      files += sub.files;
    } else if (entry.isFile()) {
      bytes += statSync(path).size;
      files += 1;
    }
  }
  return { bytes, files };
}

/** Every package reached through `dependencies` (and installed optional ones) from `names`. */
function dependencyTree(fromDir, names) {
  const seen = new Map();
  const queue = names.map((name) => [name, fromDir]);
  while (queue.length > 0) {
    const [name, from] = queue.shift();
    const dir = packageDir(name, from);
    if (!dir || seen.has(dir)) continue;
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    seen.set(dir, { name, version: manifest.version, ...dirSize(dir) });
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) queue.push([dep, dir]);
  }
  const packages = [...seen.values()].sort((a, b) => b.bytes - a.bytes);
  return {
    packages,
    count: packages.length,
    bytes: packages.reduce((s, p) => s + p.bytes, 0),
    files: packages.reduce((s, p) => s + p.files, 0),
  };
}
