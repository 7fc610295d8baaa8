/**
 * The built `hf-jobs` CLI against the local emulator, continued: uv run (with a fake `uv` on the
 * emulator's PATH), scheduled jobs, sweeps, the `emulator` command itself, `--help` on every
 * command, and, where `script(1)` can provide a terminal, tables and the Ctrl-C question.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobsClient } from "../src/client.js";
import type { CommandSpec, GroupSpec } from "../src/cli/command.js";
import { ROOT } from "../src/cli/commands/index.js";
import { runCli as dispatch } from "../src/cli/dispatch.js";
import { type Emulator, startEmulator } from "../src/emulator/index.js";
import type { ScheduledJob } from "../src/scheduled/types.js";
import type { Job } from "../src/types.js";
import { baseEnv, buildCli, type CliResult, jsonLines, type RunOptions, runCli, spawnCli, until } from "./fixtures/cli/helpers.js";

let emu: Emulator;
let client: JobsClient;
let cli: string;
let cleanup: () => void = () => {};
let dir: string;

const FAKE_UV = `#!/bin/sh
# Fake uv: prints its arguments, then the content of those that are files.
printf 'uv'; for a in "$@"; do printf ' [%s]' "$a"; done; printf '\\n'
for a in "$@"; do if [ -f "$a" ]; then echo "--- $a"; cat "$a"; fi; done
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hf-jobs-cli-"));
  const bin = join(dir, "bin");
  execFileSync("mkdir", ["-p", bin]);
  writeFileSync(join(bin, "uv"), FAKE_UV);
  chmodSync(join(bin, "uv"), 0o755);
  writeFileSync(join(dir, "job.py"), 'print("from the script")\n');
  const [built, emulator] = await Promise.all([
    buildCli(),
    startEmulator({
      containerEngine: "none",
      logger: () => {},
      schedulingDelayMs: 30,
      killGraceMs: 300,
      env: { PATH: `${bin}:${process.env.PATH}` },
    }),
  ]);
  cli = built.cli;
  cleanup = built.cleanup;
  emu = emulator;
  client = new JobsClient({ endpoint: emu.url, token: emu.token });
}, 60_000);

afterAll(async () => {
  await emu?.close();
  cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function hf(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runCli(cli, args, { ...options, env: { HF_ENDPOINT: emu.url, HF_TOKEN: emu.token, ...options.env } });
}

const ID_RE = /^[0-9a-f]{24}$/;

describe.concurrent("uv run", () => {
  it("ships a local script and passes uv options and script args unchanged", async () => {
    const r = await hf(["uv", "run", "--with", "requests", "-p", "3.12", "job.py", "--", "--lr", "<1e-4>", "-q", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    // The script is shipped into a fresh directory of the job and run from there.
    const ran = /uv \[run\] \[--with\] \[requests\] \[--python\] \[3\.12\] \[(\/[^\]]+\/job\.py)\] \[--lr\] \[<1e-4>\] \[-q\] \[--json\]\n/.exec(r.stdout);
    expect(ran, r.stdout).not.toBeNull();
    expect(r.stdout).toContain(`--- ${ran?.[1]}\nprint("from the script")\n`);
  });

  it("-d --image: detached, in the given image, name derived from the script", async () => {
    const r = await hf(["uv", "run", "-d", "--image", "python:3.12", "job.py"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const job = await client.wait(r.stdout.trim());
    expect(job.image).toEqual({ type: "docker", reference: "python:3.12" });
    expect(job.name).toMatch(/^job-[0-9a-f]{8}$/);
    expect(job.status.stage).toBe("COMPLETED");
  });

  it("a missing local script is a usage error before any job", async () => {
    const r = await hf(["uv", "run", "missing.py"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\.py/);
  });
});

describe.concurrent("scheduled", () => {
  it("run, ps, inspect, resume, trigger, suspend, delete", async () => {
    const created = await hf(["scheduled", "run", "--suspend", "-l", "kind=tick", "@hourly", "alpine", "echo", "tick"]);
    expect(created.code, created.stderr).toBe(0);
    const sid = created.stdout.trim();
    expect(sid).toMatch(ID_RE);
    expect((await hf(["scheduled", "ps", "-q"])).stdout).not.toContain(sid); // suspended: only with -a
    const all = await hf(["scheduled", "ls", "-a"]);
    expect(all.stdout.split("\n")[0]).toBe("ID\tNAME\tSCHEDULE\tIMAGE\tCOMMAND\tLAST RUN\tNEXT RUN\tSUSPENDED");
    expect(all.stdout).toMatch(new RegExp(`^${sid}\\t[^\\t]*\\t@hourly\\talpine\\techo tick\\t.*\\tyes$`, "m"));
    const inspected = JSON.parse((await hf(["scheduled", "inspect", "--json", sid])).stdout) as ScheduledJob;
    expect(inspected).toMatchObject({ id: sid, schedule: "@hourly", suspended: true, job: { command: ["echo", "tick"], labels: { kind: "tick" } } });

    expect((await hf(["scheduled", "resume", sid])).stdout).toBe(`${sid}\n`);
    expect((await client.scheduled.inspect(sid)).suspended).toBe(false);
    const triggered = await hf(["scheduled", "trigger", sid]);
    expect(triggered.code, triggered.stderr).toBe(0);
    const jobId = triggered.stdout.trim();
    expect(jobId).toMatch(ID_RE);
    expect((await hf(["wait", jobId])).code).toBe(0);
    expect((await hf(["logs", jobId])).stdout).toBe("tick\n");

    expect((await hf(["scheduled", "suspend", sid])).code).toBe(0);
    expect((await client.scheduled.inspect(sid)).suspended).toBe(true);
    expect((await hf(["scheduled", "delete", sid])).code).toBe(0);
    expect((await hf(["scheduled", "ps", "-a", "-q"])).stdout).not.toContain(sid);
  });

  it("our options are read before --, what follows -- is the job's", async () => {
    const r = await hf(["scheduled", "run", "--flavor", "cpu-upgrade", "0 9 * * 1", "alpine", "--", "echo", "--flavor", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const s = await client.scheduled.inspect(r.stdout.trim());
    expect(s.job?.command).toEqual(["echo", "--flavor", "-q"]);
    expect(s.job?.flavor).toBe("cpu-upgrade");
    expect(s.schedule).toBe("0 9 * * 1");
    await client.scheduled.delete(s.id);
  });

  it("trigger while a run is in progress exits 8 with a clear message", async () => {
    const sid = (await hf(["scheduled", "run", "@daily", "alpine", "sleep", "300"])).stdout.trim();
    const first = (await hf(["scheduled", "trigger", sid])).stdout.trim();
    expect(first).toMatch(ID_RE);
    const busy = await hf(["scheduled", "trigger", sid]);
    expect(busy.code).toBe(8);
    expect(busy.stderr).toMatch(/already has a run in progress/);
    await client.cancel(first);
    await client.scheduled.delete(sid);
  });

  it("scheduled uv run ships the script; a bad schedule is a usage error", async () => {
    const r = await hf(["scheduled", "uv", "run", "--suspend", "@weekly", "job.py", "--x", "1"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const s = await client.scheduled.inspect(r.stdout.trim());
    expect(s.job?.command.join(" ")).toContain("hf-jobs-uv job.py --x 1");
    await client.scheduled.delete(s.id);
    const bad = await hf(["scheduled", "run", "every day", "alpine", "true"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/schedule/);
  });
});

describe.concurrent("sweep", () => {
  it("runs the grid of --param and --flavor, substituting {name} and exporting the params", async () => {
    const r = await hf(["sweep", "--json", "--param", "x=1,2", "--flavor", "cpu-basic,cpu-upgrade", "alpine", "sh", "-c", 'echo "{x} $x $JOB_INDEX"']);
    expect(r.code, r.stderr).toBe(0);
    const results = jsonLines(r.stdout) as Array<{ index: number; params: Record<string, string>; ok: boolean; jobId: string; stage: string }>;
    expect(results.map((x) => x.params)).toEqual([
      { x: "1", flavor: "cpu-basic" },
      { x: "1", flavor: "cpu-upgrade" },
      { x: "2", flavor: "cpu-basic" },
      { x: "2", flavor: "cpu-upgrade" },
    ]);
    expect(results.every((x) => x.ok && x.stage === "COMPLETED")).toBe(true);
    expect(r.stderr).not.toContain("\r"); // no progress drawn without a terminal
    const last = results[3] as (typeof results)[number];
    const job = await client.inspect(last.jobId);
    expect(job.flavor).toBe("cpu-upgrade");
    expect(job.env).toMatchObject({ x: "2" });
    expect((await hf(["logs", last.jobId])).stdout).toBe("2 2 3\n");
  });

  it("exits with the first failure's code; -q prints the job ids", async () => {
    const r = await hf(["sweep", "-q", "--param", "code=0,3", "alpine", "sh", "-c", "exit {code}"]);
    expect(r.code).toBe(1);
    const ids = r.stdout.trim().split("\n");
    expect(ids).toHaveLength(2);
    expect((await client.inspect(ids[1] as string)).status.stage).toBe("ERROR");
  });

  it("Ctrl-C cancels the jobs in flight and exits 130", async () => {
    const args = ["sweep", "--json", "-l", "case=sweep-sigint", "--param", "n=1,2", "alpine", "sleep", "300"];
    const run = spawnCli(cli, args, { env: { HF_ENDPOINT: emu.url, HF_TOKEN: emu.token } });
    const listRunning = () => client.list({ stage: "RUNNING", labels: { case: "sweep-sigint" } }).toArray();
    let running: Job[] = [];
    for (let i = 0; i < 400 && running.length < 2; i++) {
      running = await listRunning();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(running).toHaveLength(2);
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    const results = jsonLines(r.stdout) as Array<{ outcome: string }>;
    expect(results.map((x) => x.outcome)).toEqual(["canceled", "canceled"]);
    for (const job of running) expect((await client.wait(job.id)).status.stage).toBe("CANCELED");
  });

  it("--dry-run launches nothing; without axes it is a usage error", async () => {
    const r = await hf(["sweep", "--dry-run", "--json", "--param", "a=1,2,3", "alpine", "echo", "{a}"]);
    expect(r.code, r.stderr).toBe(0);
    const plan = jsonLines(r.stdout) as Array<{ params: { a: string }; spec: { command: string[]; labels: Record<string, string> } }>;
    expect(plan.map((p) => p.spec.command)).toEqual([["echo", "1"], ["echo", "2"], ["echo", "3"]]);
    const sweepId = plan[0]?.spec.labels["hf-jobs-sweep"] as string;
    expect(sweepId).toMatch(/^sweep-/);
    expect(await client.list({ labels: { "hf-jobs-sweep": sweepId } }).toArray()).toEqual([]);
    expect((await hf(["sweep", "alpine", "true"])).code).toBe(2);
  });
});

describe("emulator command", () => {
  async function startCliEmulator(args: string[]): Promise<{ child: ReturnType<typeof spawnCli>; first: () => string }> {
    const started = spawnCli(cli, ["emulator", "--engine", "none", ...args], { env: { HF_ENDPOINT: undefined, HF_TOKEN: undefined }, timeoutMs: 60_000 });
    let out = "";
    started.child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await until(() => out, (s) => s.includes("\n"), 20_000);
    return { child: started, first: () => out };
  }

  it("prints its url and token (--json), serves the CLI, stops on SIGTERM with exit 0", async () => {
    const emuCli = await startCliEmulator(["--engine", "none", "--json", "--namespace", "cli-user"]);
    const info = JSON.parse(emuCli.first().split("\n")[0] as string) as { url: string; token: string; namespace: string };
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.namespace).toBe("cli-user");
    const r = await runCli(cli, ["--endpoint", info.url, "--token", info.token, "run", "alpine", "echo", "via the cli emulator"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("via the cli emulator\n");
    emuCli.child.child.kill("SIGTERM");
    const done = await emuCli.child.done;
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/SIGTERM, stopping/);
  });

  it("tells how to point the CLI at it, and stops on SIGINT with exit 0", async () => {
    const emuCli = await startCliEmulator(["--engine", "none"]);
    const text = await until(emuCli.first, (s) => s.includes("Ctrl-C"), 10_000);
    const url = /export HF_ENDPOINT=(\S+)/.exec(text)?.[1];
    const token = /export HF_TOKEN=(\S+)/.exec(text)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await runCli(cli, ["hardware", "-q"], { env: { HF_ENDPOINT: url, HF_TOKEN: token } });
    expect(r.stdout).toContain("cpu-basic\n");
    emuCli.child.child.kill("SIGINT");
    expect((await emuCli.child.done).code).toBe(0);
  });
});

/** Every command path of the tree (`["run"]`, `["scheduled", "uv", "run"]`, ...), lazy entries loaded. */
async function commandPaths(group: GroupSpec, prefix: string[] = []): Promise<string[][]> {
  const out: string[][] = [];
  for (const entry of group.commands) {
    const c: CommandSpec | GroupSpec = entry.kind === "lazy" ? await entry.load() : entry;
    // The list shows the lazy entry's summary: it must be the loaded command's own.
    expect(c.summary, c.name).toBe(entry.summary);
    out.push([...prefix, c.name]);
    if (c.kind === "group") out.push(...(await commandPaths(c, [...prefix, c.name])));
  }
  return out;
}

describe("--help", () => {
  it("every command and group has help with a usage line and an example", async () => {
    const paths = [[], ...(await commandPaths(ROOT))];
    expect(paths.length).toBeGreaterThan(20);
    // In process, through the same dispatcher as the binary (a Node process per command would be slow).
    for (const path of paths) {
      let stdout = "";
      const io = {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: () => true },
        stdin: process.stdin,
        env: {},
        cwd: dir,
      };
      const code = await dispatch(ROOT, [...path, "--help"], io, { signal: new AbortController().signal }, "0.0.0");
      const name = ["hf-jobs", ...path].join(" ");
      expect(code, name).toBe(0);
      expect(stdout, name).toMatch(new RegExp(`^Usage: ${name}`));
      expect(stdout, name).toMatch(/\nExamples?:\n {2}hf-jobs /);
    }
    // And through the binary: --help anywhere among our options, or `help COMMAND`.
    const [viaFlag, viaHelp, afterImage] = await Promise.all([
      runCli(cli, ["scheduled", "uv", "run", "--help"]),
      runCli(cli, ["help", "ps"]),
      hf(["run", "alpine", "--", "printf", "%s\\n", "--help"]),
    ]);
    expect(viaFlag.stdout).toMatch(/^Usage: hf-jobs scheduled uv run/);
    expect(viaHelp.stdout).toMatch(/^Usage: hf-jobs ps/);
    expect(afterImage.stdout).toBe("--help\n"); // after --, --help is the job's
  });
});

function hasScript(): boolean {
  try {
    execFileSync("script", ["-qec", "true", "/dev/null"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

// script(1) gives the CLI a terminal: stdin, stdout and stderr are a pty.
describe.skipIf(!hasScript())("on a terminal", () => {
  function inTerminal(args: string[]) {
    const command = [process.execPath, cli, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    // exec: no shell in between (a sh that saw the Ctrl-C would report 130 whatever the CLI returned).
    const child = spawn("script", ["-qec", `exec ${command}`, "/dev/null"], {
      env: baseEnv({ HF_ENDPOINT: emu.url, HF_TOKEN: emu.token, TERM: "dumb", COLUMNS: "200" }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    return { child, out: () => out, done };
  }

  it("Ctrl-C asks whether to cancel or detach; cancel ends the job and exits 3", async () => {
    const t = inTerminal(["run", "alpine", "sh", "-c", "echo up; sleep 300"]);
    const id = /Job ([0-9a-f]{24}) (?:started|submitted)/.exec(await until(t.out, (s) => /Job [0-9a-f]{24} (?:started|submitted)/.test(s)))?.[1] as string;
    await client.wait(id, { until: "RUNNING" });
    t.child.stdin.write("\x03");
    await until(t.out, (s) => s.includes("[r]esume?"));
    t.child.stdin.write("c\r");
    expect(await t.done, t.out()).toBe(3);
    expect(t.out()).toMatch(/ended CANCELED/);
    expect((await client.inspect(id)).status.stage).toBe("CANCELED");
  });

  it("answering detach leaves the job running and exits 130", async () => {
    const t = inTerminal(["run", "alpine", "sh", "-c", "echo up; sleep 300"]);
    const id = /Job ([0-9a-f]{24}) (?:started|submitted)/.exec(await until(t.out, (s) => /Job [0-9a-f]{24} (?:started|submitted)/.test(s)))?.[1] as string;
    await client.wait(id, { until: "RUNNING" });
    t.child.stdin.write("\x03");
    await until(t.out, (s) => s.includes("[r]esume?"));
    t.child.stdin.write("d\r");
    expect(await t.done).toBe(130);
    expect((await client.inspect(id)).status.stage).toBe("RUNNING");
    await client.cancel(id);
  });

  it("prints aligned tables with relative times", async () => {
    const id = (await hf(["run", "-q", "alpine", "true"])).stdout.trim();
    const t = inTerminal(["ps", "-a"]);
    expect(await t.done).toBe(0);
    const lines = t.out().split(/\r?\n/);
    expect(lines[0]).toMatch(/^JOB ID {2,}NAME {2,}IMAGE/);
    expect(lines.find((l) => l.startsWith(id))).toMatch(/ago {2,}COMPLETED {2,}\d+s$/);
  });
});
