// Jobs as real processes: stages, messages, environment, working directory, cancel, timeout.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { StreamReader, api, createJob, getJob, logMessages, processAlive, spec, start, waitFor, waitTerminal } from "./helpers.js";

let emu: Emulator;
let fakeBin: string;
const logged: string[] = [];

async function logsOf(id: string): Promise<string[]> {
  const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${id}/logs`);
  await reader.finished();
  return logMessages(reader.text);
}

beforeAll(async () => {
  fakeBin = mkdtempSync(join(tmpdir(), "emu-fake-bin-"));
  writeFileSync(join(fakeBin, "uv"), '#!/bin/sh\necho "fake uv $*"\n');
  chmodSync(join(fakeBin, "uv"), 0o755);
  process.env.EMU_TEST_HOST_ONLY = "must-not-leak";
  emu = await start({
    killGraceMs: 1500,
    env: { PATH: `${fakeBin}:${process.env.PATH ?? "/usr/bin:/bin"}`, EXTRA_FROM_OPTIONS: "yes" },
    logger: (line) => logged.push(line),
  });
});
afterAll(async () => {
  await emu.close();
  rmSync(fakeBin, { recursive: true, force: true });
});

describe("stages", () => {
  it("goes SCHEDULING -> RUNNING -> COMPLETED on exit 0", async () => {
    const slow = await start({ schedulingDelayMs: 300 });
    try {
      const job = await createJob(slow, spec(["sh", "-c", "sleep 0.3"]));
      expect(job.status.stage).toBe("SCHEDULING");
      const scheduling = await getJob(slow, job.id);
      expect(scheduling.status.stage).toBe("SCHEDULING");
      expect(scheduling).not.toHaveProperty("startedAt");
      expect(Object.keys(scheduling.durations as object)).toEqual(["totalSecs"]);
      const done = await waitTerminal(slow, job.id);
      const events = await StreamReader.open(slow, `/api/jobs/${slow.namespace}/${job.id}/events`);
      await events.until((t) => t.includes('"COMPLETED"'));
      expect(events.data().map((e) => e.stage)).toEqual(["SCHEDULING", "RUNNING", "COMPLETED"]);
      await events.close();
      expect(done.status).toMatchObject({ stage: "COMPLETED", message: null });
      expect(Date.parse(done.startedAt as string) - Date.parse(done.createdAt as string)).toBeGreaterThanOrEqual(250);
      expect(Date.parse(done.finishedAt as string) - Date.parse(done.startedAt as string)).toBeGreaterThanOrEqual(250);
    } finally {
      await slow.close();
    }
  });

  it("ends in ERROR with the exit code message on a non-zero exit", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "exit 3"]));
    const done = await waitTerminal(emu, job.id);
    expect(done.status).toMatchObject({ stage: "ERROR", message: "Job failed with exit code: 3", failureCount: 1 });
  });

  it("ends in ERROR with an explicit message when the command does not exist on the host", async () => {
    const job = await createJob(emu, spec(["definitely-not-a-command-xyz", "--flag"]));
    const done = await waitTerminal(emu, job.id);
    expect(done.status.stage).toBe("ERROR");
    expect(done.status.message).toBe(
      'Command not found on the emulator host: definitely-not-a-command-xyz (jobs run on the host because containerEngine is "none")',
    );
    expect(await logsOf(job.id)).toEqual([done.status.message]);
  });

  it("ends in ERROR when no command is given (host mode cannot run the image's default)", async () => {
    const job = await createJob(emu, spec([]));
    const done = await waitTerminal(emu, job.id);
    expect(done.status.stage).toBe("ERROR");
    expect(done.status.message).toMatch(/No command given/);
  });

  it("runs a command found through options.env PATH (a fake uv)", async () => {
    const job = await createJob(emu, spec(["uv", "run", "--with", "trl"], { arguments: ["train.py", "--lr", "1e-4"] }));
    const done = await waitTerminal(emu, job.id);
    expect(done.status.stage).toBe("COMPLETED");
    expect(await logsOf(job.id)).toEqual(["fake uv run --with trl train.py --lr 1e-4"]);
  });
});

describe("process environment", () => {
  it("sets JOB_ID, ACCELERATOR, CPU_CORES, MEMORY, environment, secrets and options.env, and nothing of the host", async () => {
    const script =
      'echo "JOB_ID=$JOB_ID"; echo "ACCELERATOR=$ACCELERATOR"; echo "CPU_CORES=$CPU_CORES"; echo "MEMORY=$MEMORY";' +
      'echo "PLAIN=$PLAIN"; echo "SECRET=$MY_SECRET"; echo "EXTRA=$EXTRA_FROM_OPTIONS"; echo "LEAK=[$EMU_TEST_HOST_ONLY]";' +
      'echo "HOME=$HOME"; echo "PWD=$(pwd)"';
    const job = await createJob(emu, spec(["sh", "-c", script], { environment: { PLAIN: "p" }, secrets: { MY_SECRET: "s3cret" } }));
    await waitTerminal(emu, job.id);
    const lines = await logsOf(job.id);
    const env = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    expect(env).toMatchObject({
      JOB_ID: job.id,
      ACCELERATOR: "none",
      CPU_CORES: "2",
      MEMORY: "16Gi",
      PLAIN: "p",
      SECRET: "s3cret",
      EXTRA: "yes",
      LEAK: "[]",
    });
    // A fresh working directory, also HOME, removed once the job ended.
    expect(env.PWD).toBe(env.HOME);
    expect(env.PWD).toMatch(new RegExp(`${job.id}-`));
    await waitFor(() => (existsSync(env.PWD ?? "/") ? undefined : true));
    expect(logged.join("\n")).not.toContain("s3cret");
  });

  it("names the flavor in ACCELERATOR on GPU hardware", async () => {
    const job = await createJob(emu, spec(["sh", "-c", 'echo "$ACCELERATOR $CPU_CORES $MEMORY"'], { flavor: "t4-small" }));
    await waitTerminal(emu, job.id);
    expect(await logsOf(job.id)).toEqual(["t4-small 4 15Gi"]);
  });

  it("passes command and arguments without a shell", async () => {
    const job = await createJob(emu, spec(["printf", "%s|"], { arguments: ["$HOME", "a b", "*", "'q'"] }));
    await waitTerminal(emu, job.id);
    expect(await logsOf(job.id)).toEqual(["$HOME|a b|*|'q'|"]);
  });
});

describe("stopping", () => {
  it("cancel -> CANCELED, and the whole process group is gone", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "sleep 60 & echo $$ $!; wait"]));
    const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${job.id}/logs`);
    await reader.until((t) => /"data":"\d+ \d+"/.test(t));
    const pids = (logMessages(reader.text)[0] ?? "").split(" ").map(Number);
    expect(pids.length).toBe(2);
    for (const pid of pids) expect(processAlive(pid)).toBe(true);
    const res = await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
    expect(((await res.json()) as { status: { stage: string } }).status.stage).toBe("CANCELED");
    await waitFor(() => (pids.every((p) => !processAlive(p)) ? true : undefined), 5000);
    await waitFor(() => (emu.jobs() === 0 ? true : undefined), 5000);
    expect((await getJob(emu, job.id)).status).toMatchObject({ stage: "CANCELED", message: null });
    await reader.finished();
  });

  it("sends SIGTERM first and SIGKILL after killGraceMs", async () => {
    const job = await createJob(emu, spec(["sh", "-c", 'trap "echo got TERM" TERM; echo $$; while :; do sleep 0.05; done']));
    const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${job.id}/logs`);
    await reader.until((t) => /"data":"\d+"/.test(t));
    const pid = Number(logMessages(reader.text)[0]);
    await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
    await reader.until((t) => t.includes("got TERM"));
    expect(processAlive(pid)).toBe(true);
    await waitFor(() => (processAlive(pid) ? undefined : true), 5000);
    await reader.finished();
  });

  it("cancels a job still in SCHEDULING without ever starting it", async () => {
    const slow = await start({ schedulingDelayMs: 200 });
    try {
      const job = await createJob(slow, spec(["sh", "-c", "echo started"]));
      await api(slow)(`/api/jobs/${slow.namespace}/${job.id}/cancel`, { method: "POST" });
      await new Promise((r) => setTimeout(r, 400));
      const after = await getJob(slow, job.id);
      expect(after.status.stage).toBe("CANCELED");
      expect(after).not.toHaveProperty("startedAt");
      expect(slow.jobs()).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it("stops a job that exceeds timeoutSeconds with the message Job timeout", async () => {
    const job = await createJob(emu, spec(["sleep", "30"], { timeoutSeconds: 1 }));
    const done = await waitTerminal(emu, job.id, 8000);
    expect(done.status).toMatchObject({ stage: "ERROR", message: "Job timeout" });
    await waitFor(() => (emu.jobs() === 0 ? true : undefined), 5000);
  });

  it("kills what a finished job left running in its process group", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "sleep 60 & echo $!"]));
    const done = await waitTerminal(emu, job.id);
    expect(done.status.stage).toBe("COMPLETED");
    const pid = Number((await logsOf(job.id))[0]);
    await waitFor(() => (processAlive(pid) ? undefined : true), 5000);
  });
});
