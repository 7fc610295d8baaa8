import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

// Every runtime dependency is bundled into dist: loading one file costs a fraction of resolving
// and evaluating a hundred (zod alone is ~100 ESM files), and the CommonJS build then no longer
// `require()`s ESM-only packages (ky, p-limit), which Node 20 before 20.19 cannot do. No public
// type comes from these packages, so users never meet a second copy of a type they import; the
// declarations leave out what is marked `@internal` (the transport and its zod generics), so the
// published types import nothing from zod either.
const manifest = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  dependencies?: Record<string, string>;
};
const bundled = Object.keys(manifest.dependencies ?? {});

export default defineConfig([
  {
    entry: { index: "src/index.ts", emulator: "src/emulator/index.ts" },
    format: ["esm", "cjs"],
    dts: { compilerOptions: { stripInternal: true } },
    sourcemap: true,
    clean: true,
    target: "node20",
    noExternal: bundled,
    // One file per entry: the client never loads a chunk shared with the emulator.
    splitting: false,
    treeshake: true,
  },
  {
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    target: "node20",
    sourcemap: true,
    noExternal: bundled,
    // Node reads `--env-file` anywhere in its argv up to a `--`, script arguments included: the
    // `--` keeps `hf-jobs run --env-file x.env ...` ours (and keeps the file's NODE_OPTIONS out).
    banner: { js: "#!/usr/bin/env -S node --" },
    // One chunk per command module: a command loads only what it uses.
    splitting: true,
  },
]);
