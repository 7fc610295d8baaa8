// Conformance: @huggingface/hub's jobs functions, a client nobody on this project wrote, against an
// emulator with default options. Every stream must end by itself once its job has ended.
import {
  cancelJob,
  createScheduledJob,
  deleteScheduledJob,
  duplicateJob,
  getJob,
  getScheduledJob,
  listJobHardware,
  listJobs,
  listScheduledJobs,
  resumeScheduledJob,
  runJob,
  runScheduledJob,
  streamJobEvents,
  streamJobLogs,
  streamJobMetrics,
  suspendScheduledJob,
} from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { collect, eventually, startDefaultEmulator } from "./helpers.js";

let emu: Emulator;
let auth: { hubUrl: string; accessToken: string; namespace: string };

beforeAll(async () => {
  emu = await startDefaultEmulator();
  auth = { hubUrl: emu.url, accessToken: emu.token, namespace: emu.namespace };
});
afterAll(() => emu.close());

const TERMINAL = ["COMPLETED", "ERROR", "CANCELED", "DELETED"];

async function settled(jobId: string): Promise<Awaited<ReturnType<typeof getJob>>> {
  return eventually(async () => {
    const job = await getJob({ ...auth, jobId });
    return TERMINAL.includes(job.status.stage) ? job : undefined;
  });
}

async function messages(jobId: string): Promise<string[]> {
  const lines = await collect(streamJobLogs({ ...auth, jobId }));
  return lines.map((l) => l.message).filter((m) => !m.startsWith("===== Job started"));
}

describe("@huggingface/hub jobs functions against the default emulator", () => {
  it("runs a job with env, secrets, flavor, timeout and labels; secrets come back as names only", async () => {
    const job = await runJob({
      ...auth,
      dockerImage: "python:3.12",
      command: ["sh", "-c", 'echo "$GREETING $API_KEY $CPU_CORES"'],
      environment: { GREETING: "hello" },
      secrets: { API_KEY: "sk-conformance-secret" },
      flavor: "cpu-upgrade",
      timeoutSeconds: 120,
      labels: { suite: "conformance", kind: "env" },
    });
    expect(job.id).toMatch(/^[0-9a-f]{24}$/);
    expect(job.flavor).toBe("cpu-upgrade");
    expect(job.labels).toEqual({ suite: "conformance", kind: "env" });
    expect(job.timeoutSeconds).toBe(120);
    expect(JSON.stringify(job)).not.toContain("sk-conformance-secret");
    expect(await messages(job.id)).toEqual(["hello sk-conformance-secret 8"]);
    expect((await settled(job.id)).status.stage).toBe("COMPLETED");
  });

  it("follows a completing job's logs to the end: the stream ends by itself", async () => {
    const job = await runJob({ ...auth, dockerImage: "alpine", command: ["sh", "-c", "echo one; sleep 0.5; echo two"], flavor: "cpu-basic" });
    expect(await messages(job.id)).toEqual(["one", "two"]);
    expect((await getJob({ ...auth, jobId: job.id })).status.stage).toBe("COMPLETED");
  });

  it("follows a failing job's logs to the end, and the job reports its exit code", async () => {
    const job = await runJob({ ...auth, dockerImage: "alpine", command: ["sh", "-c", "echo failing; sleep 0.3; exit 3"], flavor: "cpu-basic" });
    expect(await messages(job.id)).toEqual(["failing"]);
    const done = await getJob({ ...auth, jobId: job.id });
    expect(done.status.stage).toBe("ERROR");
    expect(done.status.message).toBe("Job failed with exit code: 3");
  });

  it("follows a job cancelled from elsewhere: the follow ends once it is cancelled", async () => {
    const job = await runJob({ ...auth, dockerImage: "alpine", command: ["sh", "-c", "echo started; sleep 60"], flavor: "cpu-basic" });
    const following = collect(streamJobLogs({ ...auth, jobId: job.id }));
    await eventually(async () => ((await getJob({ ...auth, jobId: job.id })).status.stage === "RUNNING" ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    const canceled = await cancelJob({ ...auth, jobId: job.id });
    expect(canceled.status.stage).toBe("CANCELED");
    const lines = (await following).map((l) => l.message);
    expect(lines).toContain("started");
    expect((await getJob({ ...auth, jobId: job.id })).status.stage).toBe("CANCELED");
  });

  it("reads the logs of a running job (live) and of a finished one (replayed, then ended)", async () => {
    const job = await runJob({ ...auth, dockerImage: "alpine", command: ["sh", "-c", "echo early; sleep 1; echo late"], flavor: "cpu-basic" });
    const live: string[] = [];
    for await (const line of streamJobLogs({ ...auth, jobId: job.id })) {
      live.push(line.message);
      if (line.message === "early") {
        expect((await getJob({ ...auth, jobId: job.id })).status.stage).toBe("RUNNING");
      }
    }
    expect(live.filter((m) => !m.startsWith("====="))).toEqual(["early", "late"]);
    expect(await messages(job.id)).toEqual(["early", "late"]);
  });

  it("lists, inspects and duplicates jobs; duplicates keep spec and labels", async () => {
    const job = await runJob({ ...auth, dockerImage: "alpine", command: ["echo", "dup-me"], flavor: "cpu-basic", labels: { dup: "source" } });
    await settled(job.id);
    const listed = await listJobs(auth);
    expect(listed.map((j) => j.id)).toContain(job.id);
    const inspected = await getJob({ ...auth, jobId: job.id });
    expect(inspected.command).toEqual(["echo", "dup-me"]);
    expect(inspected.owner?.name).toBe(emu.namespace);
    const copy = await duplicateJob({ ...auth, jobId: job.id });
    expect(copy.id).not.toBe(job.id);
    expect(copy.labels).toEqual({ dup: "source" });
    expect(await messages(copy.id)).toEqual(["dup-me"]);
    expect((await settled(copy.id)).status.stage).toBe("COMPLETED");
  });

  it("lists the hardware", async () => {
    const hardware = await listJobHardware({ hubUrl: emu.url });
    const basic = hardware.find((h) => h.name === "cpu-basic");
    expect(basic).toMatchObject({ prettyName: "CPU Basic", cpu: "2 vCPU", ram: "16 GB", unitLabel: "minute" });
    expect(hardware.some((h) => h.accelerator !== null)).toBe(true);
  });

  it("streams metrics of a running job, and the stream ends when the job ends", async () => {
    const job = await runJob({ ...auth, dockerImage: "alpine", command: ["sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; sleep 1"], flavor: "cpu-basic", timeoutSeconds: 60 });
    await eventually(async () => ((await getJob({ ...auth, jobId: job.id })).status.stage === "RUNNING" ? true : undefined));
    const samples = (await collect(streamJobMetrics({ ...auth, jobId: job.id }), 60_000)).map((s) => JSON.parse(s) as Record<string, unknown>);
    expect(samples.length).toBeGreaterThan(0);
    expect(samples[0]).toMatchObject({ cpu_millicores: 2000, memory_total_bytes: 16 * 1024 ** 3 });
    expect(samples[0]?.cpu_usage_pct as number).toBeGreaterThan(0);
    expect(TERMINAL).toContain((await getJob({ ...auth, jobId: job.id })).status.stage);
  }, 90_000);

  it("streams stage events to the end", async () => {
    const job = await runJob({ ...auth, dockerImage: "alpine", command: ["true"], flavor: "cpu-basic" });
    const events = (await collect(streamJobEvents({ ...auth, jobId: job.id }))).map((e) => JSON.parse(e) as { stage: string });
    expect(events.map((e) => e.stage)).toEqual(["SCHEDULING", "RUNNING", "COMPLETED"]);
  });

  it("creates, lists, inspects, suspends, resumes, runs and deletes a scheduled job; the timeout reads back", async () => {
    const sj = await createScheduledJob({
      ...auth,
      schedule: "@hourly",
      jobSpec: { dockerImage: "alpine", command: ["echo", "scheduled run"], flavor: "cpu-basic", timeoutSeconds: 300, labels: { sched: "yes" } },
    });
    expect(sj.schedule).toBe("@hourly");
    expect(sj.jobSpec.timeoutSeconds).toBe(300);
    expect((await listScheduledJobs(auth)).map((s) => s.id)).toContain(sj.id);
    expect((await getScheduledJob({ ...auth, jobId: sj.id })).id).toBe(sj.id);
    await suspendScheduledJob({ ...auth, jobId: sj.id });
    expect((await getScheduledJob({ ...auth, jobId: sj.id })).suspend).toBe(true);
    await resumeScheduledJob({ ...auth, jobId: sj.id });
    expect((await getScheduledJob({ ...auth, jobId: sj.id })).suspend).toBe(false);
    const run = await runScheduledJob({ ...auth, jobId: sj.id });
    if (!run) throw new Error("runScheduledJob answered no job");
    expect(await messages(run.id)).toEqual(["scheduled run"]);
    expect((await settled(run.id)).labels).toEqual({ sched: "yes" });
    await deleteScheduledJob({ ...auth, jobId: sj.id });
    expect((await listScheduledJobs(auth)).map((s) => s.id)).not.toContain(sj.id);
  });

  it("sees the run of a scheduled job that fires (through the emulator's cron hook), with its logs", async () => {
    const sj = await createScheduledJob({
      ...auth,
      schedule: "* * * * *",
      jobSpec: { dockerImage: "alpine", command: ["echo", "fired"], flavor: "cpu-basic" },
    });
    const fired = emu.scheduler.fire(sj.id);
    expect(fired).not.toBeNull();
    // The client's type has no `status`; the wire object does.
    const after = (await getScheduledJob({ ...auth, jobId: sj.id })) as unknown as { status: { lastJob: { id: string } | null } };
    expect(after.status.lastJob?.id).toBe(fired);
    expect(await messages(fired as string)).toEqual(["fired"]);
    const job = await settled(fired as string);
    expect(job.status.stage).toBe("COMPLETED");
    await deleteScheduledJob({ ...auth, jobId: sj.id });
  });
});
