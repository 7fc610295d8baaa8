/**
 * The built `hf-jobs` CLI, spawned as a child process with no terminal (stdin, stdout, stderr
 * are pipes), against the local emulator: run (foreground and detached), ps, inspect, logs,
 * cancel, wait, stats, hardware, labels, exit codes by outcome, -q and --json, options forwarded
 * to the job unchanged, errors, and Ctrl-C during a foreground run.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobsClient } from "../src/client.js";
import { type Emulator, startEmulator } from "../src/emulator/index.js";
import type { Job } from "../src/types.js";
import { buildCli, type CliResult, jsonLines, type RunOptions, runCli, spawnCli, until } from "./fixtures/cli/helpers.js";

let emu: Emulator;
let client: JobsClient;
let cli: string;
let cleanup: () => void = () => {};

beforeAll(async () => {
  const [built, emulator] = await Promise.all([
    buildCli(),
    startEmulator({ containerEngine: "none", logger: () => {}, schedulingDelayMs: 30, killGraceMs: 300 }),
  ]);
  cli = built.cli;
  cleanup = built.cleanup;
  emu = emulator;
  client = new JobsClient({ endpoint: emu.url, token: emu.token });
}, 60_000);

afterAll(async () => {
  await emu?.close();
  cleanup();
});

/** Runs the CLI against the emulator. */
function hf(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runCli(cli, args, { ...options, env: { HF_ENDPOINT: emu.url, HF_TOKEN: emu.token, ...options.env } });
}

const ID_RE = /^[0-9a-f]{24}$/;

/** A detached job running `sh -c script`; returns its id. */
async function detached(script: string, extra: string[] = []): Promise<string> {
  const r = await hf(["run", "-d", ...extra, "alpine", "sh", "-c", script]);
  expect(r.code, r.stderr).toBe(0);
  const id = r.stdout.trim();
  expect(id).toMatch(ID_RE);
  return id;
}

describe.concurrent("run", () => {
  it("forwards everything after -- to the job unchanged (a later -- included)", async () => {
    const r = await hf(["run", "node:20", "--", "node", "-e", "console.log(process.argv.slice(1).join('|'))", "--", "a", "-q", "--json", "$HOME", "<x>"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("a|-q|--json|$HOME|<x>\n");
    // -c reaches the command (not one of ours), and a "--" right after the image is only a separator.
    const c = await hf(["run", "alpine", "--", "sh", "-c", 'printf "%s|" "$0" "$@"', "zero", "-c", "--help"]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toBe("zero|-c|--help|\n");
  });

  it("-q before the image prints the id only, and the job does not get it", async () => {
    const r = await hf(["run", "-q", "alpine", "echo", "hi"]);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(ID_RE);
    expect(r.stdout).toBe(`${id}\n`); // no log line, no banner
    const job = await client.inspect(id);
    expect(job.command).toEqual(["echo", "hi"]);
    expect(job.status.stage).toBe("COMPLETED");
  });

  it("--json before the image prints JSON lines: the log lines, then the final job", async () => {
    const r = await hf(["run", "--json", "alpine", "sh", "-c", "echo one; echo two"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout) as Array<Record<string, unknown>>;
    expect(lines.slice(0, -1).map((l) => l.text)).toEqual(["one", "two"]);
    expect(typeof lines[0]?.timestamp).toBe("string");
    const job = lines.at(-1) as { id: string; command: string[]; status: { stage: string } };
    expect(job.status.stage).toBe("COMPLETED");
    expect(job.command).toEqual(["sh", "-c", "echo one; echo two"]);
  });

  it("streams the logs to stdout and the banner to stderr, and sends the job options", async () => {
    const r = await hf(
      ["run", "-e", "GREETING=hello world", "-s", "SECRET_V=s3cr3t-value", "-l", "team=ml", "--name", "greeter", "--timeout", "5m", "alpine", "sh", "-c", 'echo "$GREETING"; echo "$SECRET_V"'],
    );
    expect(r.code, r.stderr).toBe(0);
    // The job printed its secret: the CLI masks the values it knows.
    expect(r.stdout).toBe("hello world\n***\n");
    const id = /Job ([0-9a-f]{24}) (?:started|submitted)/.exec(r.stderr)?.[1];
    expect(id).toMatch(ID_RE);
    const job = await client.inspect(id as string);
    expect(job.env).toEqual({ GREETING: "hello world" });
    expect(job.secretNames).toEqual(["SECRET_V"]);
    expect(job.labels).toEqual({ team: "ml", name: "greeter" });
    expect(job.timeoutSeconds).toBe(300);
    // -s HF_TOKEN forwards the CLI's own token as a secret; the log shows it masked.
    const token = await hf(["run", "-s", "HF_TOKEN", "alpine", "sh", "-c", 'echo "t=$HF_TOKEN"']);
    expect(token.stdout).toBe("t=***\n");
    expect(token.stderr).not.toContain(emu.token);
  });

  it("sends env and secrets files, volumes, exposed ports and SSH", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hf-jobs-cli-env-"));
    try {
      writeFileSync(join(dir, "job.env"), 'export MODE=train\n# comment\nQUOTED="a b"\nFROM_SHELL\n');
      writeFileSync(join(dir, "job.secrets"), "API_KEY=k-123456\n");
      const r = await hf(
        [
          "run", "-d", "--env-file", "job.env", "--secrets-file", "job.secrets", "-e", "MODE=eval", "-s", "HF_TOKEN",
          "-v", "hf://datasets/org/ds/sub:/data:ro", "-v", "hf://me/model:/m", "--expose", "8000,8001", "--ssh", "alpine", "true",
        ],
        { cwd: dir, env: { FROM_SHELL: "shell value" } },
      );
      expect(r.code, r.stderr).toBe(0);
      const job = await client.inspect(r.stdout.trim());
      expect(job.env).toEqual({ MODE: "eval", QUOTED: "a b", FROM_SHELL: "shell value" });
      expect(job.secretNames.sort()).toEqual(["API_KEY", "HF_TOKEN"]);
      expect(job.volumes).toEqual([
        { type: "dataset", source: "org/ds", mountPath: "/data", readOnly: true, path: "sub" },
        { type: "model", source: "me/model", mountPath: "/m" },
      ]);
      expect(job.status.exposeUrls).toHaveLength(2);
      expect(job.status.sshUrl).toMatch(/^ssh:\/\//);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits by outcome: 1 for ERROR, 4 for a timeout, with the status message on stderr", async () => {
    const failed = await hf(["run", "alpine", "sh", "-c", "echo before; exit 3"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe("before\n");
    expect(failed.stderr).toMatch(/ended ERROR: Job failed with exit code: 3\n$/);
    const late = await hf(["run", "--timeout", "1", "alpine", "sleep", "10"]);
    expect(late.code).toBe(4);
    expect(late.stderr).toMatch(/ended ERROR: Job timeout/);
  });

  it("exits 3 when the job is cancelled while followed", async () => {
    const run = spawnCli(cli, ["run", "alpine", "sh", "-c", "echo up; sleep 300"], { env: { HF_ENDPOINT: emu.url, HF_TOKEN: emu.token } });
    let stderr = "";
    run.child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const id = (await until(() => /Job ([0-9a-f]{24}) (?:started|submitted)/.exec(stderr)?.[1], (v) => v !== undefined)) as string;
    await client.cancel(id);
    const r = await run.done;
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/ended CANCELED/);
  });

  it("-d prints the id and returns while the job runs", async () => {
    const id = await detached("sleep 300");
    const job = await client.inspect(id);
    expect(["SCHEDULING", "RUNNING"]).toContain(job.status.stage);
    await client.cancel(id);
    const json = await hf(["run", "-d", "--json", "alpine", "true"]);
    expect((JSON.parse(json.stdout) as Job).id).toMatch(ID_RE);
  });

  it("Ctrl-C in a non-interactive shell detaches: prints the id, exits 130, the job keeps running", async () => {
    const run = spawnCli(cli, ["run", "alpine", "sh", "-c", "echo started; sleep 300"], { env: { HF_ENDPOINT: emu.url, HF_TOKEN: emu.token } });
    let stdout = "";
    run.child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    await until(() => stdout, (s) => s.includes("started\n"));
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    const id = r.stdout.trim().split("\n").at(-1) as string;
    expect(id).toMatch(ID_RE);
    expect(r.stderr).toMatch(/Detached: job [0-9a-f]{24} keeps running/);
    expect((await client.inspect(id)).status.stage).toBe("RUNNING");
    await client.cancel(id);
  });
});

describe.concurrent("ps, inspect, logs, labels, cancel", () => {
  let running: string;
  let done: string;

  beforeAll(async () => {
    // Cancelled in afterAll; long enough to outlive a slow machine.
    running = await detached("echo alive; sleep 300", ["-l", "group=ps-test", "--name", "runner"]);
    const r = await hf(["run", "-q", "-l", "group=ps-test", "alpine", "sh", "-c", "echo l1; echo l2; echo l3"]);
    done = r.stdout.trim();
    await client.wait(running, { until: "RUNNING" });
  });

  afterAll(async () => {
    await client.cancel(running).catch(() => undefined);
  });

  it("ps lists running jobs as tab-separated text with a header (no terminal)", async () => {
    const r = await hf(["ps"]);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split("\n");
    expect(header).toBe("JOB ID\tNAME\tIMAGE\tCOMMAND\tFLAVOR\tCREATED\tSTATUS\tRUNTIME");
    const row = rows.find((l) => l.startsWith(running))?.split("\t");
    expect(row?.[1]).toBe("runner");
    expect(row?.[6]).toBe("RUNNING");
    expect(rows.some((l) => l.startsWith(done))).toBe(false); // completed: only with -a
  });

  it("ps filters: -a, --status, -l, --limit, with -q and --json", async () => {
    const all = await hf(["ps", "-a", "-q", "-l", "group=ps-test"]);
    expect(all.stdout.trim().split("\n").sort()).toEqual([done, running].sort());
    const completed = await hf(["ls", "--status", "completed", "-l", "group=ps-test", "--json"]);
    const jobs = jsonLines(completed.stdout) as Job[];
    expect(jobs.map((j) => j.id)).toEqual([done]);
    expect(jobs[0]?.status.stage).toBe("COMPLETED");
    const limited = await hf(["ps", "-a", "--limit", "1", "-q"]);
    expect(limited.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("inspect prints indented JSON, --json one line per job", async () => {
    const pretty = await hf(["inspect", done]);
    expect(pretty.code).toBe(0);
    expect((JSON.parse(pretty.stdout) as Job).id).toBe(done);
    expect(pretty.stdout.split("\n").length).toBeGreaterThan(5);
    const lines = jsonLines((await hf(["inspect", "--json", done, `${emu.namespace}/${running}`])).stdout) as Job[];
    expect(lines.map((j) => j.id)).toEqual([done, running]);
  });

  it("logs is a snapshot; -n tails, -t adds timestamps, --json gives objects", async () => {
    expect((await hf(["logs", done])).stdout).toBe("l1\nl2\nl3\n");
    expect((await hf(["logs", "-n", "1", done])).stdout).toBe("l3\n");
    const stamped = (await hf(["logs", "-t", done])).stdout.trim().split("\n");
    expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z l1$/);
    const objs = jsonLines((await hf(["logs", "--json", done])).stdout) as Array<{ text: string }>;
    expect(objs.map((o) => o.text)).toEqual(["l1", "l2", "l3"]);
    // A snapshot of a running job returns (here on the emulator's idle window), with the lines so far.
    expect((await hf(["logs", running])).stdout).toBe("alive\n");
  });

  it("logs -f follows a job to its end", async () => {
    const id = await detached("for i in 1 2 3; do echo n$i; sleep 0.2; done");
    const r = await hf(["logs", "-f", id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("n1\nn2\nn3\n");
    expect((await client.inspect(id)).status.stage).toBe("COMPLETED");
  });

  it("labels shows, adds, removes and clears labels", async () => {
    expect((await hf(["labels", done])).stdout).toMatch(/^group=ps-test$/m);
    const changed = await hf(["labels", done, "--merge", "-l", "stage=eval", "--remove", "group"]);
    expect(changed.code, changed.stderr).toBe(0);
    expect((await client.inspect(done)).labels).toMatchObject({ stage: "eval" });
    expect((await client.inspect(done)).labels.group).toBeUndefined();
    const cleared = await hf(["labels", "--json", done, "--clear", "--name", "only"]);
    expect(JSON.parse(cleared.stdout)).toEqual({ id: done, labels: { name: "only" } });
  });

  it("cancel prints the ids; wait then exits 3", async () => {
    const id = await detached("sleep 300");
    const r = await hf(["cancel", id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${id}\n`);
    const w = await hf(["wait", id]);
    expect(w.code).toBe(3);
    expect(w.stdout).toMatch(new RegExp(`^${id}\\tCANCELED`, "m"));
  });

  it("stats --no-stream prints one sample per running job", async () => {
    const r = await hf(["stats", "--no-stream", running]);
    expect(r.code, r.stderr).toBe(0);
    const [header, row] = r.stdout.trimEnd().split("\n");
    expect(header?.split("\t")[0]).toBe("JOB ID");
    expect(row?.split("\t")[0]).toBe(running);
    const json = jsonLines((await hf(["stats", "--no-stream", "--json"])).stdout) as Array<Record<string, unknown>>;
    const mine = json.find((s) => s.jobId === running);
    expect(typeof mine?.memoryUsedBytes).toBe("number");
  });

  it("stats streams samples until the job ends", async () => {
    const id = await detached("sleep 300");
    await client.wait(id, { until: "RUNNING" });
    const stats = spawnCli(cli, ["stats", id], { env: { HF_ENDPOINT: emu.url, HF_TOKEN: emu.token } });
    let stdout = "";
    stats.child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    // Two samples, then the job ends: the stream must end by itself.
    await until(() => stdout, (s) => s.split(`${id}\t`).length > 2, 20_000);
    await client.cancel(id);
    const r = await stats.done;
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split("\n");
    expect(header?.startsWith("JOB ID\tCPU %")).toBe(true);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((row) => row.startsWith(`${id}\t`))).toBe(true);
  });
});

describe.concurrent("wait", () => {
  it("exits 0 when every job COMPLETED, else the code of the first that did not", async () => {
    const ok = await detached("true");
    const bad = await detached("exit 2");
    const waited = await hf(["wait", ok]);
    expect(waited.code).toBe(0);
    expect(waited.stderr).toBe(""); // no progress drawn without a terminal
    const both = await hf(["wait", "-q", ok, bad]);
    expect(both.code).toBe(1);
    expect(both.stdout).toBe(`${ok}\n${bad}\n`);
    expect(both.stderr).toMatch(/ended ERROR: Job failed with exit code: 2/);
  });

  it("exits 7 when --timeout runs out; the job keeps running", async () => {
    const id = await detached("sleep 300");
    const r = await hf(["wait", "--timeout", "1", id]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/still (RUNNING|SCHEDULING) after 1s/);
    expect((await client.inspect(id)).status.stage).toBe("RUNNING");
    await client.cancel(id);
  });
});

describe.concurrent("hardware", () => {
  it("lists flavors with prices in every output mode", async () => {
    const plain = await hf(["hardware"]);
    expect(plain.stdout.split("\n")[0]).toBe("NAME\tPRETTY NAME\tCPU\tRAM\tACCELERATOR\tCOST/MIN\tCOST/HOUR");
    expect(plain.stdout).toMatch(/^cpu-basic\tCPU Basic\t/m);
    const names = (await hf(["hardware", "-q"])).stdout.trim().split("\n");
    expect(names).toContain("a10g-small");
    const json = jsonLines((await hf(["hardware", "--json"])).stdout) as Array<{ name: string; pricePerHourUsd: number }>;
    expect(json.find((h) => h.name === "cpu-basic")?.pricePerHourUsd).toBeGreaterThan(0);
  });
});

describe.concurrent("errors", () => {
  function oneLine(r: CliResult): string {
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    return lines[0] as string;
  }

  it("usage errors exit 2 with one line naming the command", async () => {
    const unknown = await hf(["run", "--bogus", "alpine"]);
    expect(unknown.code).toBe(2);
    expect(oneLine(unknown)).toBe("hf-jobs run: error: unknown option --bogus (see hf-jobs run --help)");
    const noImage = await hf(["run"]);
    expect(noImage.code).toBe(2);
    expect(oneLine(noImage)).toMatch(/missing IMAGE/);
    const badCommand = await hf(["frobnicate"]);
    expect(badCommand.code).toBe(2);
    expect(oneLine(badCommand)).toMatch(/unknown command "frobnicate"/);
    const badSpec = await hf(["run", "--timeout", "soon", "alpine", "true"]);
    expect(badSpec.code).toBe(2);
    expect(oneLine(badSpec)).toMatch(/Invalid timeout/);
    expect((await hf([])).code).toBe(2);
  });

  it("a missing token, an unknown job and a refused connection have their own codes", async () => {
    const noToken = await runCli(cli, ["ps"], { env: { HF_ENDPOINT: emu.url } });
    expect(noToken.code).toBe(8);
    expect(oneLine(noToken)).toMatch(/no Hugging Face token found: pass --token, set HF_TOKEN/);
    const missing = await hf(["inspect", "0123456789abcdef01234567"]);
    expect(missing.code).toBe(8);
    expect(oneLine(missing)).toMatch(/404/);
    const forbidden = await hf(["ps", "--namespace", "someone-else"]);
    expect(forbidden.code).toBe(8);
    expect(oneLine(forbidden)).toMatch(/403/);
    const refused = await hf(["ps"], { env: { HF_ENDPOINT: "http://127.0.0.1:9" } });
    expect(refused.code).toBe(9);
    oneLine(refused);
  });

  it("never prints the token: not in errors, not with --verbose", async () => {
    const wrong = "hf_WrongTokenAbCdEfGhIjKlMnOpQrSt0123";
    const r = await hf(["--token", wrong, "ps"]);
    expect(r.code).toBe(8);
    expect(oneLine(r)).toMatch(/401/);
    expect(r.stderr).not.toContain(wrong);
    const verbose = await hf(["ps", "--verbose"]);
    expect(verbose.code).toBe(0);
    expect(verbose.stderr).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/api\/jobs\/emulator-user/);
    expect(verbose.stderr).not.toContain(emu.token);
    const debug = await hf(["ps"], { env: { DEBUG: "hf-jobs" } });
    expect(debug.stderr).toMatch(/GET http:\/\/127\.0\.0\.1/);
  });

  it("global options work before the command too, and --version prints the version", async () => {
    const r = await runCli(cli, ["--endpoint", emu.url, "--token", emu.token, "--json", "hardware"]);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout).length).toBeGreaterThan(5);
    expect((await hf(["--version"])).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
