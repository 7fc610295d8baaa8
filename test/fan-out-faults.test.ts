// fanOut against a server that behaves like a real one under load (test/fixtures/fan-out/slow-service.ts):
// creates that commit after their client gave up, lists that lag behind writes, answers that stall
// or trickle mid-body, jobs deleted behind the sweep's back. The promises: the sweep ends, each item
// keeps exactly one job that is not cancelled, and the result names every job the sweep created.
import { afterEach, describe, expect, it } from "vitest";
import { PermissionDeniedError } from "../src/core/errors.js";
import { ATTEMPT_LABEL, type FanOutEvent, type FanOutResult, INDEX_LABEL, fanOut } from "../src/index.js";
import { type Received, SlowService, type SlowServiceOptions } from "./fixtures/fan-out/slow-service.js";

let service: SlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

async function start(options: SlowServiceOptions): Promise<SlowService> {
  service = await new SlowService(options).start();
  return service;
}

async function sweep(s: SlowService, items: number, createGraceMs: number, events: Array<FanOutEvent<number>> = [], timeoutMs = 1000) {
  return fanOut(s.client({ timeoutMs }), {
    params: range(items),
    job: (i) => ({ image: "python:3.12", command: ["python", "-c", `print(${i})`] }),
    concurrency: items,
    pollIntervalMs: 25,
    createGraceMs,
    onProgress: (e) => events.push(e),
  });
}

/** One live job per item on the server, and every job the server holds named by the result. */
function expectOneLiveJobEach(s: SlowService, result: FanOutResult<number>, items: number): void {
  const liveByItem = range(items).map((i) => s.live().filter((j) => j.labels[INDEX_LABEL] === String(i)).length);
  expect(liveByItem).toEqual(range(items).map(() => 1));
  const named = result.results.flatMap((r) => [...r.jobIds, ...(r.extraJobs ?? []).map((e) => e.job.id)]);
  expect(new Set(named)).toEqual(new Set(s.jobs.map((j) => j.id)));
  expect(named).toHaveLength(s.jobs.length);
  expect(result.summary.extraJobs).toBe(s.jobs.length - items);
  expect(result.summary.extraJobsLeftRunning).toBe(0);
}

/** Attempt 1 of each item commits only once the server has received a later attempt of that item. */
function afterResend(create: Received, s: SlowService): Promise<void> | undefined {
  if (create.labels[ATTEMPT_LABEL] !== "1") return undefined;
  const index = create.labels[INDEX_LABEL];
  return s.until(() => s.received.some((r) => r.labels[INDEX_LABEL] === index && r.labels[ATTEMPT_LABEL] !== "1"));
}

describe("fanOut against a server that keeps going after its client left", () => {
  it("creates that commit after the client timed out are found within the grace window: one job per item, none sent twice", async () => {
    // Each create commits 900 ms after receipt; the client gives up after 300 ms.
    const s = await start({ commitDelayMs: () => 900 });
    const events: Array<FanOutEvent<number>> = [];
    const result = await sweep(s, 4, 5000, events, 300);
    expect(result.results.map((r) => r.outcome)).toEqual(["completed", "completed", "completed", "completed"]);
    expect(s.received).toHaveLength(4);
    expect(s.jobs).toHaveLength(4);
    expectOneLiveJobEach(s, result, 4);
    expect(events.filter((e) => e.type === "launched" && e.recovered)).toHaveLength(4);
  });

  it("a create that commits only after its resend: the late job is cancelled and reported on its item", async () => {
    // Jobs run long enough (2 s) for the sweep to see and cancel the late one before it ends.
    const s = await start({ hangUp: (c) => c.labels[ATTEMPT_LABEL] === "1", commitWhen: afterResend, runMs: 2000 });
    const events: Array<FanOutEvent<number>> = [];
    const result = await sweep(s, 4, 100, events);
    expect(result.results.map((r) => r.outcome)).toEqual(["completed", "completed", "completed", "completed"]);
    expect(s.jobs).toHaveLength(8);
    expectOneLiveJobEach(s, result, 4);
    for (const r of result.results) {
      expect(r.extraJobs?.map((e) => e.attempt)).toEqual([1]);
      expect(r.extraJobs?.[0]?.job.status.stage).toBe("CANCELED");
    }
    expect(events.filter((e) => e.type === "extra-job")).toHaveLength(4);
    expect(String(result)).toContain("4 extra jobs (cancelled)");
  });

  it("a list that lags behind creates whose answers were lost: the grace window covers the lag, one job per item", async () => {
    const s = await start({ createDelivery: () => "drop", listLagMs: 600 });
    const result = await sweep(s, 4, 5000);
    expect(result.summary.completed).toBe(4);
    expect(s.received).toHaveLength(4);
    expectOneLiveJobEach(s, result, 4);
  });

  it.each(["stall", "trickle"] as const)("create answers that %s mid-body: the jobs are found and adopted, one per item", async (delivery) => {
    const s = await start({ createDelivery: (c) => (c.labels[ATTEMPT_LABEL] === "1" ? delivery : "answer") });
    const result = await sweep(s, 3, 5000, [], 300);
    expect(result.summary.completed).toBe(3);
    expect(s.received).toHaveLength(3);
    expectOneLiveJobEach(s, result, 3);
  });

  it.each(["stall", "trickle"] as const)("status lists that %s mid-body: the sweep goes on and ends, one job per item", async (delivery) => {
    const s = await start({ listDelivery: (n) => (n % 2 === 0 ? delivery : "answer") });
    const result = await sweep(s, 3, 5000, [], 300);
    expect(result.summary.completed).toBe(3);
    expectOneLiveJobEach(s, result, 3);
  });
});

describe("fanOut whatever the timing", () => {
  it("creates committing 0-400 ms after their client hung up, and a 150 ms grace window: at most one live job per item, every job named", async () => {
    // Some creates are found by their labels, some are sent again and their first job shows up
    // late. The two grace windows (before a resend, and after it) cover 150 + 150 + 150 + 150 ms
    // from receipt, more than the slowest commit plus the list lag.
    // A fixed pseudo-random sequence: the interleavings vary with each create, the test does not.
    let seed = 7;
    const next = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const s = await start({ hangUp: () => true, commitDelayMs: () => Math.floor(next() * 400), listLagMs: 50, runMs: 2000 });
    const result = await sweep(s, 8, 150);
    for (const r of result.results) {
      const live = s.live().filter((j) => j.labels[INDEX_LABEL] === String(r.index));
      expect(live.map((j) => j.id)).toEqual(r.outcome === "completed" ? r.jobIds : []);
    }
    const named = result.results.flatMap((r) => [...r.jobIds, ...(r.extraJobs ?? []).map((e) => e.job.id)]);
    expect(new Set(named)).toEqual(new Set(s.jobs.map((j) => j.id)));
    expect(result.summary.extraJobs).toBe(named.length - result.results.reduce((n, r) => n + r.jobIds.length, 0));
    expect(result.summary.extraJobsLeftRunning).toBe(0);
  });
});

describe("jobs that can no longer be read", () => {
  it("a job deleted behind the sweep's back ends its item as DELETED, and the sweep ends", async () => {
    const s = await start({ runMs: 60_000 });
    const result = await fanOut(s.client(), {
      params: [0, 1],
      job: () => ({ image: "python:3.12", command: ["sleep", "60"] }),
      pollIntervalMs: 20,
      onProgress: (e) => {
        if (e.type === "launched" && e.index === 1) s.delete(e.job.id);
        if (e.type === "launched" && e.index === 0) void s.client().cancel(e.job.id);
      },
    });
    expect(result.results[1]).toMatchObject({ outcome: "failed", stage: "DELETED" });
    expect(result.results[0]?.outcome).toBe("canceled");
  });

  it("a permanent inspect failure (403) fails the item with that error, and the sweep ends", async () => {
    const s = await start({ runMs: 60_000, hidden: () => true, inspectStatus: () => 403 });
    const result = await fanOut(s.client(), {
      params: [0],
      job: () => ({ image: "python:3.12", command: ["sleep", "60"] }),
      pollIntervalMs: 20,
    });
    expect(result.results[0]?.outcome).toBe("failed");
    expect(result.results[0]?.error).toBeInstanceOf(PermissionDeniedError);
    expect(result.summary.failed).toBe(1);
  });
});
