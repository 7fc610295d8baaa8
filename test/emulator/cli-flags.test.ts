// `hf-jobs emulator` with the container flags (--engine-path, --engine-arg, --run-arg), run in
// process through the CLI's dispatcher against a fake engine CLI that records its argv: the flags
// reach every `info`, `run` and `rm` in the documented places, and the command refuses them where
// they cannot apply. Nothing here depends on an engine being installed.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../src/cli/commands/index.js";
import type { Context, Io } from "../../src/cli/context.js";
import { runCli as dispatch } from "../../src/cli/dispatch.js";
import { EXIT } from "../../src/cli/exit.js";
import { waitFor } from "./helpers.js";

let dir: string;
let fake: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hf-jobs-cli-engine-"));
  fake = join(dir, "fake-podman");
  // The subcommand is the first of info/run/rm, so that global flags may come before it.
  writeFileSync(
    fake,
    `#!/bin/sh
for a in "$@"; do printf '%s\\037' "$a"; done >> '${dir}/argv.log'
printf '\\n' >> '${dir}/argv.log'
for a in "$@"; do case "$a" in info) exit 0 ;; run) echo "fake container ran"; exit 0 ;; rm) exit 0 ;; esac; done
exit 0
`,
  );
  chmodSync(fake, 0o755);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function invocations(): string[][] {
  const file = join(dir, "argv.log");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\x1f").slice(0, -1));
}

interface Sink {
  text: string;
  isTTY: boolean;
  columns: number;
  write(text: string): boolean;
}

function sink(): Sink {
  const s: Sink = {
    text: "",
    isTTY: false,
    columns: 200,
    write(text: string) {
      s.text += text;
      return true;
    },
  };
  return s;
}

/** Starts `hf-jobs emulator ...args` in process; `stop()` is Ctrl-C. */
function hfEmulator(args: string[]) {
  const stdout = sink();
  const stderr = sink();
  const stdin = new PassThrough();
  stdin.end();
  const io: Io = { stdout, stderr, stdin, env: {}, cwd: dir };
  let ctx: Context | undefined;
  const code = dispatch(ROOT, ["emulator", ...args], io, { signal: new AbortController().signal, onContext: (c) => (ctx = c) }, "0.0.0");
  return {
    code,
    stdout,
    stderr,
    stop: () => ctx?.interruptHandler?.(),
  };
}

describe("hf-jobs emulator container flags", () => {
  it("--engine-path, --engine-arg and --run-arg reach the engine's info and run in their places", async () => {
    const run = hfEmulator([
      "--json",
      "--engine",
      "podman",
      "--engine-path",
      fake,
      "--engine-arg=--runtime",
      "--engine-arg",
      "runc",
      "--run-arg=--ulimit",
      "--run-arg=nofile=4096:4096",
      "--run-arg=--pull=never",
    ]);
    try {
      const line = await waitFor(() => (run.stdout.text.includes("\n") ? run.stdout.text.split("\n")[0] : undefined), 20_000);
      const info = JSON.parse(line as string) as { url: string; token: string; namespace: string };
      expect(run.stderr.text).toContain(`jobs run in containers with ${fake}`);
      expect(invocations()).toContainEqual(["--runtime", "runc", "info"]);
      const res = await fetch(`${info.url}/api/jobs/${info.namespace}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${info.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ dockerImage: "localhost/test:latest", command: ["sh", "-c", "true"], arguments: [], environment: {}, flavor: "cpu-basic" }),
      });
      expect(res.status).toBe(200);
      const job = (await res.json()) as { id: string };
      const runArgv = await waitFor(() => invocations().find((a) => a.includes("run") && a.some((x) => x.endsWith(job.id))), 20_000);
      expect(runArgv.slice(0, 5)).toEqual(["--runtime", "runc", "run", "--rm", "--name"]);
      const envFile = runArgv.indexOf("--env-file");
      expect(runArgv.slice(envFile - 3, envFile)).toEqual(["--ulimit", "nofile=4096:4096", "--pull=never"]);
      expect(runArgv.slice(-3)).toEqual(["localhost/test:latest", "-c", "true"]);
    } finally {
      run.stop();
    }
    expect(await run.code).toBe(EXIT.OK);
  });

  it.each([
    ["--run-arg with the default engine (auto could pick either engine)", ["--run-arg=--pull=never"], /need --engine docker or --engine podman/],
    ["--engine-arg with --engine none", ["--engine", "none", "--engine-arg=--log-level=debug"], /need --engine docker or --engine podman/],
    ["a relative --engine-path", ["--engine", "podman", "--engine-path", "bin/podman"], /--engine-path expects an absolute path/],
    ["an empty --run-arg", ["--engine", "podman", "--engine-path", "/bin/sh", "--run-arg="], /containerRunArgs must be an array of non-empty strings/],
    ["--run-arg VALUE that starts with a dash", ["--engine", "podman", "--run-arg", "--ulimit"], /write it as --run-arg=VALUE/],
  ])("refuses %s with a usage error (exit 2) and starts nothing", async (_, args, message) => {
    const before = invocations().length;
    const run = hfEmulator(args);
    expect(await run.code).toBe(EXIT.USAGE);
    expect(run.stderr.text).toMatch(message);
    expect(run.stdout.text).toBe("");
    expect(invocations()).toHaveLength(before);
  });

  it("--help lists the flags", async () => {
    const run = hfEmulator(["--help"]);
    expect(await run.code).toBe(EXIT.OK);
    for (const flag of ["--engine-path PATH", "--engine-arg=ARG", "--run-arg=ARG"]) expect(run.stdout.text).toContain(flag);
  });
});
