/**
 * The traps a user of `hf jobs` falls into, run in process through the same dispatcher as the
 * binary, against a local emulator with its defaults (host processes): where our options stop,
 * typos caught before anything is sent, detaching after a resume, label semantics, one JSON
 * shape, masking in every printed form, tables that fit the terminal, and CLI-worded errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobsClient } from "../src/client.js";
import { ROOT } from "../src/cli/commands/index.js";
import { sweepExitCode } from "../src/cli/commands/sweep.js";
import type { Context, Io } from "../src/cli/context.js";
import { runCli as dispatch } from "../src/cli/dispatch.js";
import { parseDotenv } from "../src/cli/env.js";
import { EXIT } from "../src/cli/exit.js";
import { ago } from "../src/cli/output.js";
import { type Emulator, startEmulator } from "../src/emulator/index.js";
import { SweepStoppedError } from "../src/fan-out/errors.js";
import type { FanOutResult } from "../src/fan-out/types.js";
import { jsonLines, until } from "./fixtures/cli/helpers.js";

let emu: Emulator;
let client: JobsClient;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hf-jobs-cli-traps-"));
  writeFileSync(join(dir, "train.py"), "print('training')\n");
  emu = await startEmulator({ containerEngine: "none", logger: () => {} });
  client = new JobsClient({ endpoint: emu.url, token: emu.token });
}, 60_000);

afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Sink {
  text: string;
  isTTY: boolean;
  columns?: number;
  write(text: string): boolean;
}

/** A terminal-like stream (readline needs a real stream to ask its question on). */
function ttyStream(): Sink {
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      (stream as unknown as Sink).text += chunk.toString();
      callback();
    },
  });
  return Object.assign(stream, { text: "", isTTY: true, columns: 120 }) as unknown as Sink;
}

function sink(isTTY: boolean): Sink {
  const s: Sink = {
    text: "",
    isTTY,
    write(text: string) {
      s.text += text;
      return true;
    },
  };
  return s;
}

interface HfOptions {
  env?: Record<string, string>;
  stdoutTTY?: boolean;
  /** stdin and stderr are a terminal: a person can answer the Ctrl-C question. */
  interactive?: boolean;
  stdin?: PassThrough;
  stderr?: Sink;
  stdout?: Sink;
  onContext?: (ctx: Context) => void;
  /** Leave out the emulator's --endpoint/--token. */
  bare?: boolean;
}

interface HfResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function hf(args: string[], options: HfOptions = {}): Promise<HfResult> {
  const stdout = options.stdout ?? sink(options.stdoutTTY === true);
  const stderr = options.stderr ?? sink(options.interactive === true);
  const stdin = options.stdin ?? new PassThrough();
  if (!options.stdin) stdin.end();
  (stdin as PassThrough & { isTTY?: boolean }).isTTY = options.interactive === true;
  const io: Io = { stdout, stderr, stdin, env: { ...options.env }, cwd: dir };
  const runtime = { signal: new AbortController().signal, onContext: options.onContext };
  const base = options.bare ? [] : ["--endpoint", emu.url, "--token", emu.token];
  const code = await dispatch(ROOT, [...base, ...args], io, runtime, "0.0.0");
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Jobs carrying the label `trap=<value>`. */
async function labelled(value: string) {
  return client.list({ labels: { trap: value } }).toArray();
}

describe("options after the image or script (the rule of hf jobs)", () => {
  it("uv run train.py --flavor a10g-small runs on a10g-small; the script gets the other words", async () => {
    const r = await hf(["uv", "run", "-d", "train.py", "--flavor", "a10g-small", "--epochs", "3"]);
    expect(r.code, r.stderr).toBe(0);
    const job = await client.inspect(r.stdout.trim());
    expect(job.flavor).toBe("a10g-small");
    expect(job.arguments.join(" ") + job.command.join(" ")).toContain("--epochs 3");
    expect(job.arguments.join(" ") + job.command.join(" ")).not.toContain("--flavor");
  });

  it("run IMG -- python --flavor x passes --flavor x to the job, verbatim", async () => {
    const r = await hf(["run", "-d", "-l", "trap=verbatim", "alpine", "--", "echo", "--flavor", "x", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const job = await client.inspect(r.stdout.trim());
    expect([...job.command, ...job.arguments]).toEqual(["echo", "--flavor", "x", "-q"]);
    expect(job.flavor).not.toBe("x");
  });
});

describe("typos are caught before anything is sent", () => {
  it("a misspelt flavor is refused with a did-you-mean, and no job starts", async () => {
    const r = await hf(["run", "-d", "-l", "trap=flavor", "--flavor", "a10g-smal", "alpine", "true"]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('unknown flavor "a10g-smal"; did you mean a10g-small?');
    expect(await labelled("flavor")).toEqual([]);
  });

  it("a sweep with one bad flavor launches nothing at all", async () => {
    const r = await hf(["sweep", "-l", "trap=sweep-flavor", "--flavor", "cpu-basic,cpu-upgrad", "--param", "i=1,2", "alpine", "true"]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain("did you mean cpu-upgrade?");
    expect(await labelled("sweep-flavor")).toEqual([]);
  });

  it("a name far from every known flavor goes through with a warning: the service decides", async () => {
    const r = await hf(["run", "-d", "--flavor", "quantum-pod-9000", "alpine", "true"]);
    expect(r.stderr).toContain('warning: flavor "quantum-pod-9000" is not in the hardware list');
    // The emulator knows no such flavor: its answer is the service's, exit 8.
    expect(r.code).toBe(EXIT.API);
  });

  it("stages, commands and options get a did-you-mean", async () => {
    const stage = await hf(["ps", "--status", "runing"]);
    expect(stage.code).toBe(EXIT.USAGE);
    expect(stage.stderr).toContain('unknown stage "runing"; did you mean RUNNING?');
    const command = await hf(["pss"]);
    expect(command.code).toBe(EXIT.USAGE);
    expect(command.stderr).toContain('unknown command "pss"; did you mean ps?');
    const option = await hf(["ps", "--limt", "3"]);
    expect(option.stderr).toContain("unknown option --limt; did you mean --limit?");
  });
});

/** What the process's SIGINT listener does (main.ts): hand the Ctrl-C to the command's handler. */
function pressCtrlC(ctx: Context | undefined): void {
  const handler = ctx?.interruptHandler;
  if (!handler) throw new Error("no Ctrl-C handler: the run is not following its job");
  handler();
}

describe("Ctrl-C, resume, Ctrl-C, detach", () => {
  it("detaching stops the log at once, and a job that ended meanwhile reports its outcome, not 'keeps running'", async () => {
    let ctx: Context | undefined;
    const stdin = new PassThrough();
    const stdout = sink(false);
    const stderr = ttyStream();
    const script = 'i=0; while [ $i -lt 40 ]; do echo "line $i"; i=$((i+1)); sleep 0.05; done';
    const run = hf(["run", "-l", "trap=detach", "alpine", "sh", "-c", script], { interactive: true, stdin, stdout, stderr, onContext: (c) => (ctx = c) });
    await until(() => stdout.text, (t) => t.includes("line 1"), 20_000);
    const press = () => pressCtrlC(ctx);
    press();
    await until(() => stderr.text, (t) => t.includes("[r]esume"));
    stdin.write("r\r");
    await until(() => stdout.text, (t) => t.includes("line 5"), 20_000);
    press();
    await until(() => stderr.text, (t) => t.split("[r]esume").length === 3);
    // The job ends while the question is on screen.
    const [job] = await labelled("detach");
    await client.wait(job?.id as string);
    const shown = stdout.text;
    stdin.write("d\r");
    const r = await run;
    expect(r.stdout, "no line after the answer").toBe(shown);
    expect(r.stderr, r.stderr).not.toContain("Detached");
    expect(r.code).toBe(EXIT.OK);
  });

  it("detaching from a job still running leaves it running and exits 130", async () => {
    let ctx: Context | undefined;
    const stdin = new PassThrough();
    const stdout = sink(false);
    const stderr = ttyStream();
    const run = hf(["run", "-l", "trap=detach2", "alpine", "sh", "-c", "while true; do echo tick; sleep 0.1; done"], {
      interactive: true,
      stdin,
      stdout,
      stderr,
      onContext: (c) => (ctx = c),
    });
    const ticks = () => stdout.text.split("tick").length;
    await until(ticks, (n) => n > 2, 20_000);
    const press = () => pressCtrlC(ctx);
    press();
    await until(() => stderr.text, (t) => t.includes("[r]esume"));
    const before = ticks();
    stdin.write("r\r");
    // Resumed: the log moves again.
    await until(ticks, (n) => n > before + 2, 20_000);
    press();
    await until(() => stderr.text, (t) => t.split("[r]esume").length === 3);
    stdin.write("d\r");
    const r = await run;
    expect(r.code).toBe(EXIT.INTERRUPTED);
    expect(r.stderr).toContain("keeps running");
    const [job] = await labelled("detach2");
    expect(job?.status.stage).toBe("RUNNING");
    await client.cancel(job?.id as string);
  });
});

describe("labels and JSON shapes", () => {
  it("-l replaces every label (as hf jobs); --merge adds; --name alone keeps the others", async () => {
    const id = (await hf(["run", "-d", "-l", "a=1", "-l", "b=2", "alpine", "true"])).stdout.trim();
    const replaced = await hf(["labels", id, "-l", "c=3"]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((await client.inspect(id)).labels).toEqual({ c: "3" });
    await hf(["labels", id, "--merge", "-l", "d=4"]);
    expect((await client.inspect(id)).labels).toEqual({ c: "3", d: "4" });
    await hf(["labels", id, "--name", "renamed"]);
    expect((await client.inspect(id)).labels).toEqual({ c: "3", d: "4", name: "renamed" });
  });

  it("scheduled labels follows the same rule", async () => {
    const sid = (await hf(["scheduled", "run", "--suspend", "-l", "a=1", "@daily", "alpine", "true"])).stdout.trim();
    const r = await hf(["scheduled", "labels", sid, "-l", "z=9"]);
    expect(r.code, r.stderr).toBe(0);
    expect((await client.scheduled.inspect(sid)).job?.labels).toEqual({ z: "9" });
    await hf(["scheduled", "delete", sid]);
  });

  it("inspect --json prints a job with the shape of a scheduled job's job: image a string, args", async () => {
    const id = (await hf(["run", "-d", "alpine", "echo", "hi"])).stdout.trim();
    const [job] = jsonLines((await hf(["inspect", "--json", id])).stdout) as Array<Record<string, unknown>>;
    expect(job?.image).toBe("alpine");
    expect(job?.args).toEqual([]);
    expect(job).not.toHaveProperty("arguments");
    const sid = (await hf(["scheduled", "run", "--suspend", "@daily", "alpine", "echo", "hi"])).stdout.trim();
    const [s] = jsonLines((await hf(["scheduled", "inspect", "--json", sid])).stdout) as Array<{ job: Record<string, unknown> }>;
    expect(typeof s?.job.image).toBe("string");
    expect(s?.job).toHaveProperty("args");
    await hf(["scheduled", "delete", sid]);
  });
});

describe("masking", () => {
  const SECRET = 'p@ss "w/ord"+&=x';

  it("logs never show the invocation's token or a secret, raw, JSON-escaped or URL-encoded", async () => {
    const program =
      "const t = process.env.HF_TOKEN, s = process.env.API_KEY;" +
      "console.log('raw', t, s); console.log('json', JSON.stringify({ t, s })); console.log('url', encodeURIComponent(t), encodeURIComponent(s));";
    const r = await hf(["run", "-l", "trap=mask", "-s", "HF_TOKEN", "-s", `API_KEY=${SECRET}`, "alpine", "--", process.execPath, "-e", program]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("raw *** ***");
    const [job] = await labelled("mask");
    const id = job?.id as string;
    // The invocation that set the secret knows it: no form of it reaches the followed log.
    for (const form of [emu.token, SECRET, JSON.stringify(SECRET).slice(1, -1), encodeURIComponent(SECRET)]) {
      expect(r.stdout, form).not.toContain(form);
    }
    // A later `logs` knows its own token only, and masks it wherever the job printed it.
    for (const args of [["logs", id], ["logs", "--json", id]]) {
      const out = await hf(args);
      expect(out.stdout).toContain("url ***");
      expect(out.stdout, args.join(" ")).not.toContain(emu.token);
    }
  });

  it("logs mask anything shaped like a token, not only the invocation's own (a cut-short copy)", async () => {
    const other = `hf_${"Zq7".repeat(8)}`; // a token this invocation does not know
    const cut = other.slice(0, -3); // a cut-short copy: no known value matches it
    const r = await hf(["run", "-l", "trap=shape", "alpine", "--", "echo", `a=${other}`, `b=${cut}`, "hf_transfer"]);
    expect(r.code, r.stderr).toBe(0);
    const [job] = await labelled("shape");
    const out = await hf(["logs", job?.id as string]);
    expect(out.stdout).toContain("a=hf_*** b=hf_*** hf_transfer");
    for (const text of [r.stdout, out.stdout]) {
      expect(text).not.toContain(other);
      expect(text).not.toContain(cut);
    }
  });

  it("tables and JSON of jobs mask the token when a job's command holds it", async () => {
    const r = await hf(["run", "-d", "alpine", "echo", emu.token]);
    const id = r.stdout.trim();
    for (const args of [["ps", "-a"], ["ps", "-a", "--json"], ["inspect", id]]) {
      const out = await hf(args);
      expect(out.stdout).toContain(id);
      expect(out.stdout, args.join(" ")).not.toContain(emu.token);
    }
  });

  it("credentials in the endpoint URL never appear in an error", async () => {
    const r = await hf(["--endpoint", "http://someone:pa55w0rd-x@127.0.0.1:1", "--token", "hf_abcdefghijklmnop", "ps"], { bare: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toContain("pa55w0rd-x");
  });

  it("a malformed line of a secrets file is named by its number, never shown", async () => {
    const value = "sk/live+0123456789abcdef";
    expect(() => parseDotenv(`A=1\n${value}\n`, "secrets.env")).toThrow(/secrets\.env:2/);
    expect(() => parseDotenv(`A=1\n${value}\n`, "secrets.env")).not.toThrow(/sk\/live/);
    // A value pasted alone that reads as a bare name is not echoed either.
    writeFileSync(join(dir, "secrets.env"), "A=1\nsk_live_0123456789abcdef\n");
    const r = await hf(["run", "-d", "--secrets-file", "secrets.env", "alpine", "true"]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain("secrets.env:2");
    expect(r.stderr).not.toContain("0123456789");
  });
});

describe("tables fit the terminal", () => {
  it("under COLUMNS=80 no line is wider than 80 (cells cut with …); --no-truncate lifts it", async () => {
    await hf(["run", "-d", "--name", "a-rather-long-job-name-for-the-table", "alpine", "echo", "a long command line that goes on and on and on"]);
    const cut = await hf(["ps", "-a"], { stdoutTTY: true, env: { COLUMNS: "80" } });
    expect(cut.code, cut.stderr).toBe(0);
    const lines = cut.stdout.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(cut.stdout).toContain("…");
    // Ids are never cut: they are copied into the next command.
    for (const line of lines.slice(1)) expect(line).toMatch(/^[0-9a-f]{24} /);
    const full = await hf(["ps", "-a", "--no-truncate"], { stdoutTTY: true, env: { COLUMNS: "80" } });
    expect(full.stdout).toContain("a-rather-long-job-name-for-the-table");
    expect(full.stdout).toContain("a long command line that goes on and on and on");
  });
});

describe("words and hints", () => {
  it("says 1 second, not 1 seconds", () => {
    const now = new Date("2026-01-01T00:00:10Z");
    expect(ago(new Date("2026-01-01T00:00:09Z"), now)).toBe("1 second ago");
    expect(ago(new Date("2026-01-01T00:00:05Z"), now)).toBe("5 seconds ago");
  });

  it("a missing token names --token, HF_TOKEN and hf auth login", async () => {
    const r = await hf(["--endpoint", emu.url, "ps"], { bare: true, env: { HF_HOME: join(dir, "no-home") } });
    expect(r.code).toBe(EXIT.API);
    expect(r.stderr).toMatch(/--token.*HF_TOKEN.*hf auth login/);
    expect(r.stderr).not.toContain("JobsClient");
  });

  it("a service error is one short line; --verbose adds the URL", async () => {
    const r = await hf(["inspect", "0123456789abcdef01234567"]);
    expect(r.code).toBe(EXIT.API);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toContain(emu.url);
    expect(r.stderr).toContain("--verbose");
    const verbose = await hf(["inspect", "--verbose", "0123456789abcdef01234567"]);
    expect(verbose.stderr).toContain(emu.url);
  });

  it("ps and stats say so when they find nothing", async () => {
    const ps = await hf(["ps", "-l", "trap=nothing"]);
    expect(ps.stderr).toContain("No jobs matched");
    // A fresh emulator: no job runs there.
    const empty = await startEmulator({ containerEngine: "none", logger: () => {} });
    try {
      const stats = await hf(["--endpoint", empty.url, "--token", empty.token, "stats"], { bare: true });
      expect(stats.code, stats.stderr).toBe(0);
      expect(stats.stderr).toContain("No running jobs");
    } finally {
      await empty.close();
    }
  });

  it("logs of a finished job prints it whole and returns", async () => {
    const id = (await hf(["run", "-d", "alpine", "sh", "-c", "echo one; echo two"])).stdout.trim();
    await client.wait(id);
    const r = await hf(["logs", id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("one\ntwo\n");
  });
});

describe("sweep", () => {
  it("without a terminal prints one line per item as it ends; --collect last-json keeps each result", async () => {
    const r = await hf(["sweep", "--collect", "last-json", "--param", "i=1,2", "alpine", "sh", "-c", 'echo working; echo "{\\"i\\": {i}}"']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/#0 i=1: completed/);
    expect(r.stderr).toMatch(/#1 i=2: completed/);
    // Plain text: one row per item, the cost rounded, the collected value as JSON.
    const [header, ...rows] = r.stdout.trimEnd().split("\n").map((l) => l.split("\t"));
    const cost = header?.indexOf("COST USD") as number;
    const value = header?.indexOf("VALUE") as number;
    expect(rows.map((row) => row[cost])).toEqual([expect.stringMatching(/^\d+\.\d{4}$/), expect.stringMatching(/^\d+\.\d{4}$/)]);
    expect(rows.map((row) => row[value])).toEqual(['{"i":1}', '{"i":2}']);
    const json = await hf(["sweep", "--json", "--collect", "last-json", "--param", "i=3", "alpine", "sh", "-c", 'echo "{\\"i\\": {i}}"']);
    const [item] = jsonLines(json.stdout) as Array<{ value: unknown }>;
    expect(item?.value).toEqual({ i: 3 });
  });

  it("exits 1 when some items were never launched (the budget ran out)", () => {
    const result = {
      sweepId: "s",
      dryRun: false,
      summary: { stoppedBy: "budget" },
      results: [
        { index: 0, params: {}, outcome: "completed", ok: true, jobIds: ["a"], attempts: 1, runningSecs: 1 },
        { index: 1, params: {}, outcome: "not-started", ok: false, jobIds: [], attempts: 0, runningSecs: 0, error: new SweepStoppedError("budget", "not launched") },
      ],
    } as unknown as FanOutResult<Record<string, string>>;
    expect(sweepExitCode(result)).toBe(EXIT.JOB_ERROR);
  });
});
