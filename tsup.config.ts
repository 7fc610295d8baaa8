import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: { index: "src/index.ts", emulator: "src/emulator/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    splitting: false,
    treeshake: true,
  },
  {
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    target: "node20",
    sourcemap: true,
    // Node reads `--env-file` anywhere in its argv up to a `--`, script arguments included: the
    // `--` keeps `hf-jobs run --env-file x.env ...` ours (and keeps the file's NODE_OPTIONS out).
    banner: { js: "#!/usr/bin/env -S node --" },
    // One chunk per command module: a command loads only what it uses.
    splitting: true,
  },
]);
