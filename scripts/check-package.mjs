#!/usr/bin/env node
// Checks the package the way users meet it: lint the manifest (publint), check the types of
// every entry under each module resolution (attw), then install the packed tarball in a scratch
// project and load it from CommonJS and from ESM, and run its bin. The runtime dependencies are
// bundled into dist (see tsup.config.ts): every built file must load with Node's built-ins alone.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
const step = (name) => process.stdout.write(`check-package: ${name}\n`);

step("build");
run("npm", ["run", "--silent", "build"]);
step("built files import Node built-ins only");
for (const file of ["index.js", "index.cjs", "emulator.js", "emulator.cjs", "cli.js"]) {
  const code = readFileSync(join(root, "dist", file), "utf8");
  const specifiers = [...code.matchAll(/(?:^import\s[^;]*?from\s*|^import\s*|\brequire\(|\bimport\()\s*["']([^"']+)["']/gm)].map((m) => m[1]);
  const external = [...new Set(specifiers.filter((s) => !isBuiltin(s) && !s.startsWith(".")))];
  if (external.length > 0) throw new Error(`dist/${file} imports packages at runtime: ${external.join(", ")} (bundle them in tsup.config.ts)`);
}
step("published types import no bundled package");
for (const file of ["index.d.ts", "index.d.cts", "emulator.d.ts", "emulator.d.cts"]) {
  const types = readFileSync(join(root, "dist", file), "utf8");
  const imported = [...types.matchAll(/^(?:import|export)\s[^;]*?from\s*["']([^"']+)["']/gm)].map((m) => m[1]);
  const external = [...new Set(imported.filter((s) => !isBuiltin(s) && !s.startsWith(".")))];
  // A bundled package's types would reach users as a second copy of that package.
  if (external.length > 0) throw new Error(`dist/${file} imports types from ${external.join(", ")}: mark the declaration @internal or keep it out of the public API`);
}
step("publint");
process.stdout.write(run("npx", ["--no-install", "publint", "--strict"]));
step("attw");
process.stdout.write(run("npx", ["--no-install", "attw", "--pack", ".", "--profile", "node16", "--format", "table-flipped"]));

const scratch = mkdtempSync(join(tmpdir(), "hf-jobs-pack-"));
try {
  step("pack");
  const tarball = join(scratch, run("npm", ["pack", "--silent", "--pack-destination", scratch]).trim().split("\n").pop());
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  step("install the tarball in a scratch project");
  run("npm", ["install", "--no-audit", "--no-fund", "--silent", tarball], scratch);
  step("require() from CommonJS");
  writeFileSync(
    join(scratch, "use.cjs"),
    `const sdk = require("@org/hf-jobs");
const emu = require("@org/hf-jobs/emulator");
if (typeof sdk.JobsClient !== "function" || typeof emu.startEmulator !== "function") throw new Error("missing exports");
if (!(new sdk.ValidationError("x", "y") instanceof sdk.HfJobsError)) throw new Error("error tree broken");
console.log("cjs ok", sdk.VERSION);`,
  );
  process.stdout.write(run("node", ["use.cjs"], scratch));
  step("import from ESM, and run a job on the packaged emulator");
  writeFileSync(
    join(scratch, "use.mjs"),
    `import { JobsClient, isSuccess } from "@org/hf-jobs";
import { startEmulator } from "@org/hf-jobs/emulator";
// Host processes: the smoke test must not depend on a container engine being installed.
const emu = await startEmulator({ containerEngine: "none", logger: () => {} });
try {
  const client = new JobsClient({ endpoint: emu.url, token: emu.token });
  const job = await client.run({ image: "node:20", command: [process.execPath, "-e", "console.log(42)"] });
  let current = job;
  for (let i = 0; i < 200 && !["COMPLETED", "ERROR", "CANCELED"].includes(current.status.stage); i++) {
    await new Promise((r) => setTimeout(r, 50));
    current = await client.inspect(job.id);
  }
  if (!isSuccess(current)) throw new Error("job did not complete: " + current.status.stage);
  console.log("esm ok", current.id);
} finally {
  await emu.close();
}`,
  );
  process.stdout.write(run("node", ["use.mjs"], scratch));
  step("bin");
  const help = run(join(scratch, "node_modules", ".bin", "hf-jobs"), ["--help"], scratch);
  if (!/hf-jobs/.test(help)) throw new Error("hf-jobs --help printed no usage");
  step("ok");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
