/**
 * The CLI run in process, through the same dispatcher as the binary (no Node process per
 * command), against a local emulator: secrets never printed, secrets of a uv script's
 * `[tool.hf-jobs]` table masked, sweep options, exit codes and plain-text output, uv jobs in
 * `ps`, and a Ctrl-C that arrives while a foreground run hands over from `launch` to `follow`.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobsClient } from "../src/client.js";
import { ROOT } from "../src/cli/commands/index.js";
import { sweepExitCode } from "../src/cli/commands/sweep.js";
import type { Context, Io } from "../src/cli/context.js";
import { runCli as dispatch } from "../src/cli/dispatch.js";
import { EXIT } from "../src/cli/exit.js";
import { usd } from "../src/cli/output.js";
import { commandText } from "../src/cli/views.js";
import { ConnectionError } from "../src/core/errors.js";
import { type Emulator, startEmulator } from "../src/emulator/index.js";
import { SweepStoppedError } from "../src/fan-out/errors.js";
import type { FanOutItemResult, FanOutResult } from "../src/fan-out/types.js";
import type { ScheduledJob } from "../src/scheduled/types.js";
import type { Job } from "../src/types.js";
import { BOOTSTRAP_ARGV0, UV_BOOTSTRAP } from "../src/uv/bootstrap.js";
import { jsonLines } from "./fixtures/cli/helpers.js";

let emu: Emulator;
let client: JobsClient;
let dir: string;

// Fake uv: `uv run [--with DEP | --python V]... FILE [ARG...]` runs FILE with sh.
const FAKE_UV = `#!/bin/sh
shift
while [ $# -gt 0 ]; do case "$1" in --with|--python) shift 2 ;; *) break ;; esac; done
exec sh "$@"
`;

const TABLE_SECRET = "table-secret-value-4821";
const SECRET = "supersecretvalue123";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hf-jobs-cli-inproc-"));
  const bin = join(dir, "bin");
  execFileSync("mkdir", ["-p", bin]);
  writeFileSync(join(bin, "uv"), FAKE_UV);
  chmodSync(join(bin, "uv"), 0o755);
  // Valid sh as well as a PEP 723 script: the fake uv runs it with sh.
  writeFileSync(join(dir, "secret.py"), `# /// script\n# [tool.hf-jobs]\n# secrets = ["TABLE_SECRET"]\n# ///\necho "table secret: $TABLE_SECRET"\n`);
  writeFileSync(join(dir, "hello.py"), 'echo "hello $1"\n');
  emu = await startEmulator({
    containerEngine: "none",
    logger: () => {},
    schedulingDelayMs: 30,
    killGraceMs: 300,
    env: { PATH: `${bin}:${process.env.PATH}` },
  });
  client = new JobsClient({ endpoint: emu.url, token: emu.token });
}, 60_000);

afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Sink {
  text: string;
  isTTY: boolean;
  columns: number;
  write(text: string): boolean;
}

function sink(isTTY: boolean): Sink {
  const s: Sink = {
    text: "",
    isTTY,
    columns: 200,
    write(text: string) {
      s.text += text;
      return true;
    },
  };
  return s;
}

interface HfOptions {
  env?: Record<string, string>;
  /** stdout is a terminal (tables). */
  stdoutTTY?: boolean;
  /** stderr is a terminal (progress). */
  stderrTTY?: boolean;
  signal?: AbortSignal;
  onContext?: (ctx: Context) => void;
}

interface HfResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `hf-jobs --endpoint <emulator> --token <token> ...args` in process (stdin is not a terminal). */
async function hf(args: string[], options: HfOptions = {}): Promise<HfResult> {
  const stdout = sink(options.stdoutTTY === true);
  const stderr = sink(options.stderrTTY === true);
  const stdin = new PassThrough();
  stdin.end();
  const io: Io = { stdout, stderr, stdin, env: { ...options.env }, cwd: dir };
  const runtime = { signal: options.signal ?? new AbortController().signal, onContext: options.onContext };
  const code = await dispatch(ROOT, ["--endpoint", emu.url, "--token", emu.token, ...args], io, runtime, "0.0.0");
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function expectNoSecret(r: HfResult, ...values: string[]): void {
  for (const value of values) {
    expect(r.stdout, "stdout").not.toContain(value);
    expect(r.stderr, "stderr").not.toContain(value);
  }
}

describe.concurrent("secret values are never printed", () => {
  const secretArgs = () => ["-s", "HF_TOKEN", "-s", `API_KEY=${SECRET}`];

  it("sweep --dry-run --json prints secret names only, never the token or a value", async () => {
    const r = await hf(["sweep", "--dry-run", "--json", ...secretArgs(), "--param", "lr=1,2", "alpine", "echo", "{lr}"]);
    expect(r.code, r.stderr).toBe(0);
    expectNoSecret(r, emu.token, SECRET);
    const plan = jsonLines(r.stdout) as Array<{ spec: Record<string, unknown> }>;
    expect(plan).toHaveLength(2);
    for (const item of plan) {
      expect(item.spec).not.toHaveProperty("secrets");
      expect(item.spec.secretNames).toEqual(["HF_TOKEN", "API_KEY"]);
      expect(item.spec.command).toBeDefined();
    }
  });

  it("sweep --dry-run in plain text and as a table, run -d --json and scheduled run --json show no value", async () => {
    const args = ["sweep", "--dry-run", ...secretArgs(), "--param", "lr=1,2", "alpine", "echo", "{lr}"];
    const [plain, table, run, scheduled] = await Promise.all([
      hf(args),
      hf(args, { stdoutTTY: true, stderrTTY: true }),
      hf(["run", "-d", "--json", ...secretArgs(), "alpine", "true"]),
      hf(["scheduled", "run", "--json", "--suspend", ...secretArgs(), "@daily", "alpine", "true"]),
    ]);
    for (const r of [plain, table, run, scheduled]) {
      expect(r.code, r.stderr).toBe(0);
      expectNoSecret(r, emu.token, SECRET);
    }
    expect((JSON.parse(run.stdout) as Job).secretNames.sort()).toEqual(["API_KEY", "HF_TOKEN"]);
    const created = JSON.parse(scheduled.stdout) as ScheduledJob;
    expect(created.job?.secretNames.sort()).toEqual(["API_KEY", "HF_TOKEN"]);
    await client.scheduled.delete(created.id);
  });
});

describe.concurrent("secrets named by a uv script's [tool.hf-jobs] table", () => {
  it("uv run masks them in the job's logs", async () => {
    const r = await hf(["uv", "run", "secret.py"], { env: { TABLE_SECRET } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("table secret: ***\n");
    expectNoSecret(r, TABLE_SECRET);
  });

  it("scheduled uv run registers them for masking", async () => {
    let ctx: Context | undefined;
    const r = await hf(["scheduled", "uv", "run", "--json", "--suspend", "@daily", "secret.py"], { env: { TABLE_SECRET }, onContext: (c) => (ctx = c) });
    expect(r.code, r.stderr).toBe(0);
    expectNoSecret(r, TABLE_SECRET);
    const created = JSON.parse(r.stdout) as ScheduledJob;
    expect(created.job?.secretNames).toEqual(["TABLE_SECRET"]);
    expect(ctx?.maskKnown(`x ${TABLE_SECRET} y`)).toBe("x *** y");
    expect(ctx?.redact(`x ${TABLE_SECRET} y`)).toBe("x *** y");
    await client.scheduled.delete(created.id);
  });
});

describe.concurrent("sweep budget and dry run", () => {
  it("a sweep refused by --max-cost exits 2 (nothing launched)", async () => {
    const tag = `budget-${Date.now()}`;
    const r = await hf(["sweep", "--max-cost", "0.0001", "-l", `case=${tag}`, "--param", "a=1,2", "alpine", "true"]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/^hf-jobs sweep: error: .*over maxCostUsd.*nothing was launched/);
    expect(await client.list({ labels: { case: tag } }).toArray()).toEqual([]);
  });

  it("--max-cost must be a number of dollars: blank, hex, negative and words are usage errors", async () => {
    for (const value of ["", " ", "abc", "0x10", "-1", "1,5"]) {
      const r = await hf(["sweep", `--max-cost=${value}`, "--param", "a=1", "alpine", "true"]);
      expect(r.code, value).toBe(EXIT.USAGE);
      expect(r.stderr, value).toMatch(/--max-cost expects a number of US dollars/);
    }
  });

  it("--dry-run without a terminal prints the timeout and worst case of each job, and the total", async () => {
    const r = await hf(["sweep", "--dry-run", "--timeout", "10m", "--flavor", "cpu-basic,cpu-upgrade", "--param", "a=1", "alpine", "true"]);
    expect(r.code, r.stderr).toBe(0);
    const prices = new Map((await client.hardware()).map((h) => [h.name, h.pricePerMinuteUsd]));
    const basic = (prices.get("cpu-basic") as number) * 10;
    const upgrade = (prices.get("cpu-upgrade") as number) * 10;
    const [header, ...rows] = r.stdout.trimEnd().split("\n").map((l) => l.split("\t"));
    expect(header).toEqual(["INDEX", "PARAMS", "FLAVOR", "TIMEOUT SECS", "WORST-CASE USD"]);
    expect(rows.map((row) => row.slice(0, 4))).toEqual([
      ["0", "a=1 flavor=cpu-basic", "cpu-basic", "600"],
      ["1", "a=1 flavor=cpu-upgrade", "cpu-upgrade", "600"],
    ]);
    expect(Number(rows[0]?.[4])).toBeCloseTo(basic, 6);
    expect(Number(rows[1]?.[4])).toBeCloseTo(upgrade, 6);
    expect(r.stderr).toMatch(/^Dry run of sweep sweep-\S+: 2 jobs, worst case /);
    expect(r.stderr).toContain(`: 2 jobs, worst case ${usd(basic + upgrade)} (every job running to its timeout)\n`);
    // --json: the same figures on each planned job.
    const json = jsonLines((await hf(["sweep", "--dry-run", "--json", "--timeout", "10m", "--param", "a=1", "alpine", "true"])).stdout) as Array<
      Record<string, unknown>
    >;
    expect(json[0]).toMatchObject({ index: 0, flavor: "cpu-basic", timeoutSeconds: 600 });
    expect(json[0]?.worstCaseUsd).toBeCloseTo(basic, 6);
  });
});

describe.concurrent("sweep options", () => {
  it("--retries runs an item again after ERROR", async () => {
    const marker = join(dir, `retry-${Date.now()}`);
    // Fails the first time (leaving the marker), completes the second.
    const script = `if [ -e '${marker}' ]; then exit 0; fi; touch '${marker}'; exit 3`;
    const r = await hf(["sweep", "--json", "--retries", "1", "--param", "a=1", "alpine", "sh", "-c", script]);
    expect(r.code, r.stderr || r.stdout).toBe(0);
    const [item] = jsonLines(r.stdout) as Array<{ outcome: string; attempts: number; jobIds: string[] }>;
    expect(item).toMatchObject({ outcome: "completed", attempts: 2 });
    expect(item?.jobIds).toHaveLength(2);
  });

  it("--fail-fast stops launching at the first failure; exit 1", async () => {
    const r = await hf(["sweep", "--json", "--fail-fast", "--concurrency", "1", "--param", "c=3,0,0", "alpine", "sh", "-c", "exit {c}"]);
    expect(r.code).toBe(EXIT.JOB_ERROR);
    const results = jsonLines(r.stdout) as Array<{ outcome: string; error: string | null }>;
    expect(results.map((x) => x.outcome)).toEqual(["failed", "not-started", "not-started"]);
    expect(results[1]?.error).toMatch(/failFast/);
  });

  it("--resume skips the completed items; progress never counts one twice", async () => {
    const sweepId = `sweep-resume-${Date.now()}`;
    const first = await hf(["sweep", "-q", "--sweep-id", sweepId, "--max-cost", "100", "--param", "a=1,2", "alpine", "true"]);
    expect(first.code, first.stderr).toBe(0);
    const ids = first.stdout.trim().split("\n");
    expect(ids).toHaveLength(2);
    // stderr is a terminal: the progress line is drawn.
    const again = await hf(["sweep", "--json", "--resume", "--sweep-id", sweepId, "--param", "a=1,2", "alpine", "true"], { stderrTTY: true });
    expect(again.code, again.stderr).toBe(0);
    const results = jsonLines(again.stdout) as Array<{ outcome: string; jobId: string }>;
    expect(results.map((x) => x.outcome)).toEqual(["skipped", "skipped"]);
    expect(results.map((x) => x.jobId)).toEqual(ids);
    const counts = [...again.stderr.matchAll(/Sweep: (\d+)\/(\d+) done/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    expect(counts.at(-1)).toEqual([2, 2]);
    for (const [done, total] of counts) expect(done).toBeLessThanOrEqual(total);
  });
});

describe("sweep exit code", () => {
  function result(items: Array<Partial<FanOutItemResult<Record<string, string>>>>, stoppedBy?: "poll-failed"): FanOutResult<Record<string, string>> {
    const results = items.map((r, index) => ({ index, params: {}, outcome: "completed", ok: true, jobIds: [], attempts: 1, runningSecs: 0, ...r }) as FanOutItemResult<Record<string, string>>);
    return { results, summary: { stoppedBy } } as unknown as FanOutResult<Record<string, string>>;
  }
  const running = { status: { stage: "RUNNING" } } as Job;

  it("jobs left running after the status polls failed exit 9 (network) or 8 (service), not 6", () => {
    const network = new SweepStoppedError("poll-failed", "left running", new ConnectionError("connection refused"));
    const left = { outcome: "detached", ok: false, job: running, stage: "RUNNING", error: network } as const;
    expect(sweepExitCode(result([{}, left], "poll-failed"))).toBe(EXIT.NETWORK);
    expect(sweepExitCode(result([{ ...left, error: new SweepStoppedError("poll-failed", "left running") }], "poll-failed"))).toBe(EXIT.NETWORK);
    // An earlier item that failed still decides.
    expect(sweepExitCode(result([{ outcome: "failed", ok: false, stage: "ERROR" }, left], "poll-failed"))).toBe(EXIT.JOB_ERROR);
  });
});

describe.concurrent("uv jobs in ps and scheduled ps", () => {
  it("shows `uv run SCRIPT ARGS`, not the bootstrap script", async () => {
    const label = `case=uv-ps-${Date.now()}`;
    const started = await hf(["uv", "run", "-d", "-l", label, "hello.py", "--x", "a b"]);
    expect(started.code, started.stderr).toBe(0);
    const ps = await hf(["ps", "-a", "-l", label]);
    const [header, row] = ps.stdout.trimEnd().split("\n").map((l) => l.split("\t"));
    expect(header?.[3]).toBe("COMMAND");
    expect(row?.[3]).toBe("uv run hello.py --x 'a b'");
    // --json keeps the job as the service has it.
    const [job] = jsonLines((await hf(["ps", "-a", "--json", "-l", label])).stdout) as Job[];
    expect(job?.command[2]).toBe(UV_BOOTSTRAP);

    const created = await hf(["scheduled", "uv", "run", "--suspend", "@daily", "hello.py", "--x", "1"]);
    const sid = created.stdout.trim();
    const sps = await hf(["scheduled", "ps", "-a"]);
    const srow = sps.stdout.split("\n").find((l) => l.startsWith(sid))?.split("\t");
    expect(srow?.[4]).toBe("uv run hello.py --x 1");
    await client.scheduled.delete(sid);
  });

  it("recognises the bootstrap form only", () => {
    expect(commandText(["sh", "-c", UV_BOOTSTRAP, BOOTSTRAP_ARGV0, "--with", "trl", "./t.py", "-q"])).toBe("uv run --with trl ./t.py -q");
    expect(commandText(["sh", "-c", "echo hi", "x"])).toBe("sh -c 'echo hi' x");
    expect(commandText(["uv", "run", "https://e.x/s.py"])).toBe("uv run https://e.x/s.py");
  });
});

describe.concurrent("scheduled run --concurrency", () => {
  it("creates a scheduled job whose runs may overlap; off by default", async () => {
    const [on, off] = await Promise.all([
      hf(["scheduled", "run", "--concurrency", "--suspend", "@daily", "alpine", "true"]),
      hf(["scheduled", "run", "--suspend", "@daily", "alpine", "true"]),
    ]);
    expect(on.code, on.stderr).toBe(0);
    expect(off.code, off.stderr).toBe(0);
    expect((await client.scheduled.inspect(on.stdout.trim())).concurrency).toBe(true);
    expect((await client.scheduled.inspect(off.stdout.trim())).concurrency).toBe(false);
    await Promise.all([client.scheduled.delete(on.stdout.trim()), client.scheduled.delete(off.stdout.trim())]);
  });
});

describe("Ctrl-C", () => {
  it("is not lost while a foreground run hands over from creating the job to following it", async () => {
    const controller = new AbortController();
    const tag = `handover-${Date.now()}`;
    let fired = false;
    let calls = 0;
    const onContext = (ctx: Context) => {
      // The first awaited step of following (reading the token, e.g. from the token file; the
      // dispatcher's own read before the command is the first call): deliver a Ctrl-C there, as
      // the process's SIGINT listener does (main.ts): to the command's handler if one is set,
      // else by aborting the signal.
      const token = ctx.token.bind(ctx);
      ctx.token = () => {
        calls += 1;
        if (!fired && calls === 2) {
          fired = true;
          const handler = ctx.interruptHandler;
          if (handler) handler();
          else controller.abort();
        }
        return token();
      };
    };
    const r = await hf(["run", "-l", `case=${tag}`, "alpine", "sleep", "5"], { signal: controller.signal, onContext });
    expect(fired).toBe(true);
    expect(r.code).toBe(EXIT.INTERRUPTED);
    expect(r.stderr).toMatch(/Detached: job [0-9a-f]{24} keeps running/);
    const [job] = await client.list({ labels: { case: tag } }).toArray();
    expect(r.stdout.trim()).toBe(job?.id);
    if (job) await client.cancel(job.id);
  });

  it("given before the job is created, creates nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const tag = `early-${Date.now()}`;
    const r = await hf(["run", "-l", `case=${tag}`, "alpine", "true"], { signal: controller.signal });
    expect(r.code).toBe(EXIT.INTERRUPTED);
    expect(r.stdout).toBe("");
    expect(await client.list({ labels: { case: tag } }).toArray()).toEqual([]);
  });
});
