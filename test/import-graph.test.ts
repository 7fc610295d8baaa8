/**
 * What `import("@org/hf-jobs")` loads: only what the client needs when it is imported. Never the
 * emulator, the CLI, or what only they use (processes, HTTP servers, cron parsing), so that a
 * backend or a serverless function pays for the client alone. Checked on the source entry and on
 * the package entry bundled exactly as tsup.config.ts bundles it, by loading each in a child
 * process that records every module it loads (ESM and CommonJS).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Options, build } from "tsup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const RECORD = join(ROOT, "test", "fixtures", "import-graph", "record.mjs");

/** Built-in modules the client uses at import (token file, config, hashing, redacted printing). */
const ALLOWED_BUILTINS = ["node:crypto", "node:fs/promises", "node:os", "node:path", "node:util"];
/**
 * Packages the client uses. smol-toml is only needed to read a script's metadata, but that
 * function is synchronous, so its parser is loaded with the module (inside the bundle).
 */
const ALLOWED_PACKAGES = ["eventsource-parser", "ky", "p-limit", "smol-toml", "yocto-queue", "zod"];
/** Source folders that belong to the emulator and the CLI only. */
const FORBIDDEN_SOURCES = ["src/emulator/", "src/cli/"];

/** Every module loaded by `node [nodeArgs] record.mjs <mode> <file>`, as URLs (`node:` for built-ins). */
function loadedModules(mode: "esm" | "cjs", file: string, nodeArgs: string[] = []): string[] {
  const stdout = execFileSync(process.execPath, [...nodeArgs, RECORD, mode, file], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "[]") as string[];
}

/** The package a `node_modules` path belongs to (`@scope/name` or `name`). */
function packageOf(path: string): string | undefined {
  return path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1];
}

/** The loaded modules that the client should not need at import, by kind. */
function unneeded(loaded: string[], ownFiles: (path: string) => boolean) {
  const builtins = loaded.filter((url) => url.startsWith("node:") && !ALLOWED_BUILTINS.includes(url));
  const files = loaded.filter((url) => url.startsWith("file:")).map((url) => fileURLToPath(url));
  const packages = [...new Set(files.map(packageOf).filter((name) => name !== undefined))].filter((name) => !ALLOWED_PACKAGES.includes(name));
  const own = files.filter((path) => packageOf(path) === undefined && !ownFiles(path));
  const other = loaded.filter((url) => !url.startsWith("node:") && !url.startsWith("file:"));
  return { builtins, packages, own, other };
}

const NOTHING = { builtins: [], packages: [], own: [], other: [] };

describe("import graph of the source entry", () => {
  it("loads client sources and the client's dependencies only", () => {
    const loaded = loadedModules("esm", join(ROOT, "src", "index.ts"), ["--import", "tsx/esm"]);
    // The recorder works: the entry and a core module are in the list.
    expect(loaded).toContain(pathToFileURL(join(ROOT, "src", "index.ts")).href);
    expect(loaded).toContain(pathToFileURL(join(ROOT, "src", "core", "transport.ts")).href);
    const isClientSource = (path: string) =>
      path.startsWith(join(ROOT, "src")) && !FORBIDDEN_SOURCES.some((dir) => path.startsWith(join(ROOT, dir)));
    expect(unneeded(loaded, isClientSource)).toEqual(NOTHING);
  });
});

describe("import graph of the bundled package entry", () => {
  const outDir = join(ROOT, ".tmp", `import-graph-${process.pid}-${Date.now()}`);

  beforeAll(async () => {
    // The index entry of tsup.config.ts, bundled as it is for dist/ (types aside), into a private
    // directory: a concurrent build cleaning dist/ cannot pull it from under the test.
    const mod = (await import(join(ROOT, "tsup.config.ts"))) as { default: Options | Options[] };
    const configs = Array.isArray(mod.default) ? mod.default : [mod.default];
    const config = configs.find((c) => c.entry && !Array.isArray(c.entry) && typeof c.entry === "object" && "index" in c.entry);
    if (!config) throw new Error("tsup.config.ts has no index entry");
    mkdirSync(outDir, { recursive: true });
    await build({ ...config, entry: { index: "src/index.ts" }, outDir, dts: false, clean: false, sourcemap: true, silent: true, config: false });
  }, 600_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("import() loads one file and the built-ins the client needs", () => {
    const entry = join(outDir, "index.js");
    const loaded = loadedModules("esm", entry);
    expect(loaded).toContain(pathToFileURL(entry).href);
    expect(unneeded(loaded, (path) => path === entry)).toEqual(NOTHING);
  });

  it("require() loads one file and the built-ins the client needs", () => {
    const entry = join(outDir, "index.cjs");
    const loaded = loadedModules("cjs", entry);
    expect(loaded).toContain(pathToFileURL(entry).href);
    expect(unneeded(loaded, (path) => path === entry)).toEqual(NOTHING);
  });

  it("bundles no emulator or CLI source, and no package the client does not use", () => {
    for (const file of ["index.js.map", "index.cjs.map"]) {
      const sources = (JSON.parse(readFileSync(join(outDir, file), "utf8")) as { sources: string[] }).sources.map((s) =>
        resolve(outDir, s),
      );
      expect(sources).toContain(join(ROOT, "src", "core", "transport.ts"));
      expect(sources.filter((path) => FORBIDDEN_SOURCES.some((dir) => path.startsWith(join(ROOT, dir))))).toEqual([]);
      const packages = [...new Set(sources.map(packageOf).filter((name) => name !== undefined))];
      expect(packages.filter((name) => !ALLOWED_PACKAGES.includes(name))).toEqual([]);
    }
  });
});
