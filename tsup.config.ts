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
    banner: { js: "#!/usr/bin/env node" },
    // A command loaded with `import()` gets its own chunk, so that `--help` does not load them all.
    splitting: true,
  },
]);
