/**
 * The CLI as the installed binary: the bundle run through its own shebang (not `node cli.js`),
 * so that what Node does with the command line before our code runs is covered, and the shape
 * of the bundle (what `hf-jobs --help` has to load).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/index.js";
import { baseEnv, buildCli, type CliResult } from "./fixtures/cli/helpers.js";

let cli: string;
let cleanup: () => void;
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  ({ cli, cleanup } = await buildCli());
  emu = await startEmulator({ containerEngine: "none", logger: () => {} });
  dir = mkdtempSync(join(tmpdir(), "hf-jobs-cli-bin-"));
}, 120_000);

afterAll(async () => {
  cleanup?.();
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the bundle as an executable: the kernel reads its shebang. */
function runBin(args: string[]): Promise<CliResult> {
  const child = spawn(cli, args, {
    cwd: dir,
    env: baseEnv({ HF_ENDPOINT: emu.url, HF_TOKEN: emu.token, PATH: `${dirname(process.execPath)}:${process.env.PATH}` }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe("--env-file reaches hf-jobs, not Node", () => {
  it("a missing file is our usage error (exit 2), not Node's 'not found' (exit 9)", async () => {
    const r = await runBin(["run", "--env-file", "missing.env", "alpine", "--", "echo", "hi"]);
    expect(r.stderr).not.toContain("node:");
    expect(r.stderr).toContain("--env-file missing.env: cannot read the file");
    expect(r.code).toBe(2);
  });

  it("the file's NODE_OPTIONS and values are the job's, never applied to hf-jobs itself", async () => {
    writeFileSync(join(dir, "job.env"), "NODE_OPTIONS=--require /nonexistent/hf-jobs-preload.js\nGREETING=hello\n");
    const r = await runBin(["run", "--env-file=job.env", "alpine", "--", "sh", "-c", 'echo "$GREETING $NODE_OPTIONS"']);
    expect(r.stderr).not.toContain("Cannot find module");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("hello --require /nonexistent/hf-jobs-preload.js\n");
  });
});

/** Every module the bundle's entry loads before running anything (static imports, followed through chunks). */
function staticImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/^import\s+(?:[^"';]*?\s+from\s+)?"([^"]+)";?$/gm)) {
      const spec = match[1] as string;
      if (spec.startsWith("./")) {
        const path = join(dirname(file), spec);
        if (!seen.has(path)) {
          seen.add(path);
          visit(path);
        }
      } else {
        seen.add(spec);
      }
    }
  };
  visit(entry);
  return seen;
}

describe("a command loads only what it uses", () => {
  it("starting hf-jobs (and --help) loads neither the SDK's dependencies nor any command", () => {
    const loaded = [...staticImports(cli)];
    for (const dependency of ["zod", "ky", "eventsource-parser", "p-limit", "croner", "smol-toml"]) {
      expect(loaded.filter((m) => m === dependency || m.startsWith(`${dependency}/`)), dependency).toEqual([]);
    }
    expect(loaded.filter((m) => /(client|emulator)-[A-Z0-9]+\.js$/.test(m))).toEqual([]);
  });

  it("--help and a command work from the split bundle", async () => {
    const help = await runBin(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: hf-jobs/);
    const hardware = await runBin(["hardware", "-q"]);
    expect(hardware.code, hardware.stderr).toBe(0);
    expect(hardware.stdout).toContain("cpu-basic\n");
  });
});
