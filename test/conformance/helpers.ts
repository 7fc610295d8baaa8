// Shared set-up of the conformance suite: an emulator with DEFAULT options (only the engine is
// named, so that jobs run as host processes whatever this machine has installed), and a runner for
// the `hfjs` CLI of @huggingface/hub. Every wait is bounded: a hang is a failure.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";

/** An emulator as a user would start it, except that it runs jobs as host processes. */
export function startDefaultEmulator(): Promise<Emulator> {
  return startEmulator({ containerEngine: "none", logger: () => {} });
}

const require = createRequire(import.meta.url);
/** The `hfjs` binary of @huggingface/hub (its package.json `bin`), next to its CommonJS entry. */
export const HFJS = join(dirname(require.resolve("@huggingface/hub")), "cli.js");

/** How a CLI run ended. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the deadline killed it: the command did not end by itself. */
  timedOut: boolean;
}

/** Runs `hfjs args...` against the emulator; kills it (and says so) after `deadlineMs`. */
export function hfjs(emu: Emulator, args: string[], deadlineMs = 30_000): Promise<CliResult> {
  const child = spawn(process.execPath, [HFJS, ...args], {
    env: { ...process.env, HF_ENDPOINT: emu.url, HF_TOKEN: emu.token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, deadlineMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Collects an async iterable, failing (instead of hanging) when it has not ended within `ms`. */
export async function collect<T>(iterable: AsyncIterable<T>, ms = 20_000): Promise<T[]> {
  const out: T[] = [];
  const done = (async () => {
    for await (const item of iterable) out.push(item);
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stream still open after ${ms} ms; got ${out.length} items`)), ms);
  });
  try {
    await Promise.race([done, deadline]);
  } finally {
    clearTimeout(timer);
  }
  return out;
}

/** Polls `check` until it returns a value; fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
