/**
 * fanOut end to end against the local emulator (real HTTP on 127.0.0.1, jobs as host processes):
 * concurrency measured from the server's own timestamps, retries, failFast, abort, resume, an
 * unclear create injected by the emulator, and input order.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobsClient } from "../src/client.js";
import { type Emulator, startEmulator } from "../src/emulator/index.js";
import { ATTEMPT_LABEL, type FanOutEvent, INDEX_LABEL, SWEEP_LABEL } from "../src/fan-out/types.js";
import { lastJsonLine } from "../src/fan-out/collect.js";
import { fanOut } from "../src/fan-out/run.js";
import { isTerminal } from "../src/jobs/parse.js";
import type { Job, RunSpec } from "../src/types.js";

let emu: Emulator;
let client: JobsClient;
let dir: string;

beforeAll(async () => {
  emu = await startEmulator({ containerEngine: "none", logger: () => {}, schedulingDelayMs: 30, killGraceMs: 500 });
  client = new JobsClient({ endpoint: emu.url, token: emu.token, namespace: emu.namespace, retryDelays: { baseMs: 5, maxMs: 20 } });
  dir = mkdtempSync(join(tmpdir(), "fan-out-emu-"));
});

afterAll(async () => {
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

const POLL = 20;

function sh(script: string, extra: Partial<RunSpec> = {}): RunSpec {
  return { image: "python:3.12", command: ["sh", "-c", script], ...extra };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function sweepJobs(sweepId: string): Promise<Job[]> {
  return client.list({ labels: { [SWEEP_LABEL]: sweepId } }).toArray();
}

/** Most jobs alive at once, from the server's createdAt / finishedAt (a job is alive in [created, finished)). */
function peakOverlap(jobs: Job[]): number {
  const events: Array<[number, number]> = [];
  for (const job of jobs) {
    if (!job.finishedAt || !job.createdAt) throw new Error(`job ${job.id} has no createdAt or finishedAt`);
    events.push([job.createdAt.getTime(), 1], [job.finishedAt.getTime(), -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let peak = 0;
  for (const [, delta] of events) {
    live += delta;
    peak = Math.max(peak, live);
  }
  return peak;
}

describe("fanOut on the emulator", () => {
  it("runs 200 items with at most 8 jobs alive on the server, and exactly 8 at the peak", async () => {
    // Jobs spend 250 ms in SCHEDULING: alive long enough for all eight slots to fill even on a busy machine.
    const slow = await startEmulator({ containerEngine: "none", logger: () => {}, schedulingDelayMs: 250 });
    try {
      await run200(slow);
    } finally {
      await slow.close();
    }
  });

  async function run200(emu: Emulator): Promise<void> {
    const client = new JobsClient({ endpoint: emu.url, token: emu.token, namespace: emu.namespace });
    const sweep = await fanOut(client, {
      params: range(200),
      job: () => sh("exit 0"),
      concurrency: 8,
      sweepId: "emu-200",
      pollIntervalMs: POLL,
    });
    expect(sweep.summary).toMatchObject({ total: 200, completed: 200, failed: 0 });
    expect(sweep.results.map((r) => r.index)).toEqual(range(200));
    const jobs = await client.list({ labels: { [SWEEP_LABEL]: "emu-200" } }).toArray();
    expect(jobs).toHaveLength(200);
    expect(peakOverlap(jobs)).toBe(8);
    for (const job of jobs) expect(job.env.JOB_INDEX).toBe(job.labels[INDEX_LABEL]);
    // Batched waiting: lists by the sweep label only, never an inspect of a single job (the exact
    // number of lists per tick is asserted against the fake service in fan-out.wire.test.ts).
    expect(emu.requests.count({ method: "GET", path: `/api/jobs/${emu.namespace}/*` })).toBe(0);
    expect(emu.requests.count({ method: "GET", path: `/api/jobs/${emu.namespace}` })).toBeGreaterThan(0);
  }

  it("retries items whose job ends in ERROR and reports those that keep failing", async () => {
    // Odd items fail on their first run only (a marker file remembers it); item 4 always fails.
    const sweep = await fanOut(client, {
      params: range(5),
      job: (i) =>
        sh(i === 4 ? "exit 3" : `[ $((JOB_INDEX % 2)) = 0 ] && exit 0; [ -f "${dir}/r$JOB_INDEX" ] && exit 0; touch "${dir}/r$JOB_INDEX"; exit 1`),
      retries: 1,
      concurrency: 5,
      sweepId: "emu-retry",
      pollIntervalMs: POLL,
    });
    expect(sweep.results.map((r) => [r.outcome, r.attempts])).toEqual([
      ["completed", 1],
      ["completed", 2],
      ["completed", 1],
      ["completed", 2],
      ["failed", 2],
    ]);
    expect(sweep.results[4]?.error?.message).toContain("exit code: 3");
    const jobs = await sweepJobs("emu-retry");
    expect(jobs).toHaveLength(8);
    expect(jobs.filter((j) => j.labels[INDEX_LABEL] === "1").map((j) => j.labels[ATTEMPT_LABEL]).sort()).toEqual(["1", "2"]);
  });

  it("failFast cancels the jobs in flight on the server and launches nothing more", async () => {
    const sweep = await fanOut(client, {
      params: range(6),
      job: (i) => sh(i === 0 ? "sleep 0.2; exit 1" : "sleep 30"),
      concurrency: 3,
      failFast: true,
      sweepId: "emu-failfast",
      pollIntervalMs: POLL,
    });
    expect(sweep.results.map((r) => r.outcome)).toEqual(["failed", "canceled", "canceled", "not-started", "not-started", "not-started"]);
    const jobs = await sweepJobs("emu-failfast");
    expect(jobs).toHaveLength(3);
    expect(jobs.every((j) => isTerminal(j))).toBe(true);
    expect(jobs.filter((j) => j.status.stage === "CANCELED")).toHaveLength(2);
  });

  it("abort cancels the jobs in flight and resolves with every item accounted for", async () => {
    const controller = new AbortController();
    let running = 0;
    const sweep = await fanOut(client, {
      params: range(5),
      job: () => sh("sleep 30"),
      concurrency: 2,
      sweepId: "emu-abort",
      pollIntervalMs: POLL,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "stage" && e.stage === "RUNNING" && ++running === 2) controller.abort();
      },
    });
    expect(sweep.results.map((r) => r.outcome)).toEqual(["canceled", "canceled", "not-started", "not-started", "not-started"]);
    const jobs = await sweepJobs("emu-abort");
    expect(jobs.map((j) => j.status.stage)).toEqual(["CANCELED", "CANCELED"]);
  });

  it("resume skips what COMPLETED and reruns the rest under the same sweep id", async () => {
    const first = await fanOut(client, {
      params: ["a", "b", "c"],
      job: (p) => sh(p === "b" ? "exit 1" : "exit 0"),
      sweepId: "emu-resume",
      pollIntervalMs: POLL,
    });
    expect(first.results.map((r) => r.outcome)).toEqual(["completed", "failed", "completed"]);
    const skipped: number[] = [];
    const second = await fanOut(client, {
      params: ["a", "b", "c"],
      job: () => sh("exit 0"),
      sweepId: "emu-resume",
      resume: true,
      pollIntervalMs: POLL,
      onProgress: (e) => {
        if (e.type === "skipped") skipped.push(e.index);
      },
    });
    expect(second.results.map((r) => r.outcome)).toEqual(["skipped", "completed", "skipped"]);
    expect(second.results[0]?.job?.id).toBe(first.results[0]?.job?.id);
    expect(skipped).toEqual([0, 2]);
    expect(await sweepJobs("emu-resume")).toHaveLength(4);
  });

  it("does not create a second job when the connection drops after the service created the first", async () => {
    const remove = emu.faults.add({ method: "POST", path: "/api/jobs/*", dropAfterHandling: true, times: 1 });
    const events: Array<FanOutEvent<number>> = [];
    try {
      const sweep = await fanOut(client, {
        params: range(3),
        job: () => sh("exit 0"),
        concurrency: 1,
        sweepId: "emu-unclear",
        pollIntervalMs: POLL,
        onProgress: (e) => events.push(e),
      });
      expect(sweep.results.map((r) => r.outcome)).toEqual(["completed", "completed", "completed"]);
    } finally {
      remove();
    }
    const jobs = await sweepJobs("emu-unclear");
    expect(jobs.map((j) => j.labels[INDEX_LABEL]).sort()).toEqual(["0", "1", "2"]);
    expect(events.find((e) => e.type === "launched" && e.index === 0)).toMatchObject({ recovered: true });
  });

  it("keeps input order when later items finish first", async () => {
    const finished: number[] = [];
    const sweep = await fanOut(client, {
      params: [1, 0.5, 0],
      job: (delay) => sh(`sleep ${delay}`),
      concurrency: 3,
      pollIntervalMs: POLL,
      onProgress: (e) => {
        if (e.type === "finished") finished.push(e.index);
      },
    });
    expect(finished).toEqual([2, 1, 0]);
    expect(sweep.results.map((r) => r.params)).toEqual([1, 0.5, 0]);
  });

  it("collects the last JSON line each job printed", async () => {
    const sweep = await fanOut(client, {
      params: [2, 3, 4],
      job: (n) => sh(`echo '{"step": 1}'; echo 'not json {'; echo '{"n": '$JOB_INDEX', "square": '$((${n} * ${n}))'}'; echo done`),
      concurrency: 3,
      pollIntervalMs: POLL,
      // The emulator, like the service, keeps the stream open: a short idle window ends the snapshot.
      collect: lastJsonLine<{ n: number; square: number }>(client, { idleTimeoutMs: 300 }),
    });
    expect(sweep.results.map((r) => r.value)).toEqual([
      { n: 0, square: 4 },
      { n: 1, square: 9 },
      { n: 2, square: 16 },
    ]);
  });

  it("fails the item whose job printed no JSON line", async () => {
    const sweep = await fanOut(client, {
      params: [0],
      job: () => sh("echo plain text"),
      pollIntervalMs: POLL,
      collect: lastJsonLine(client, { idleTimeoutMs: 300 }),
    });
    expect(sweep.results[0]).toMatchObject({ outcome: "failed", stage: "COMPLETED" });
    expect(sweep.results[0]?.error?.name).toBe("NoJsonLineError");
  });
});
