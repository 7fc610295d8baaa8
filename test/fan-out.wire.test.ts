/**
 * fanOut against a stateful fake of the Jobs API behind nock (test/fixtures/fan-out): exact
 * requests, concurrency measured on the server side, retries, failFast, abort, resume, cost,
 * budget, dry runs, unclear creates and batched polling. Jobs advance one stage per list pass, so
 * nothing here depends on wall-clock timing.
 */
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { JobFailedError, ValidationError } from "../src/core/errors.js";
import { BudgetExceededError, SweepStoppedError } from "../src/fan-out/errors.js";
import { ATTEMPT_LABEL, type FanOutEvent, INDEX_LABEL, SWEEP_LABEL } from "../src/fan-out/types.js";
import { fanOut } from "../src/fan-out/run.js";
import { grid } from "../src/fan-out/params.js";
import type { RunSpec } from "../src/types.js";
import { FakeService, NS } from "./fixtures/fan-out/fake-service.js";

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
});

const POLL = 5;

function spec(extra: Partial<RunSpec> = {}): RunSpec {
  return { image: "python:3.12", command: ["python", "-c", "print(1)"], ...extra };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

describe("concurrency and batching", () => {
  it("runs 200 items with exactly 8 jobs in flight at the peak, labelled and numbered, in input order", async () => {
    // Each job lives three list passes, so the slots only free up on a poll tick.
    const fake = new FakeService({ outcome: () => ({ stage: "COMPLETED", runTicks: 2 }) });
    const sweep = await fanOut(fake.client(), {
      params: range(200),
      job: () => spec(),
      concurrency: 8,
      sweepId: "big-sweep",
      pollIntervalMs: POLL,
    });
    expect(fake.peakLive).toBe(8);
    expect(fake.jobs).toHaveLength(200);
    expect(sweep.results.map((r) => r.index)).toEqual(range(200));
    expect(sweep.results.every((r) => r.outcome === "completed" && r.ok && r.attempts === 1)).toBe(true);
    expect(sweep.summary).toMatchObject({ total: 200, completed: 200, failed: 0, canceled: 0, skipped: 0 });
    for (const [i, job] of fake.jobs.entries()) {
      // p-limit runs the queue in order: the i-th create is item i.
      expect(job.labels).toMatchObject({ [SWEEP_LABEL]: "big-sweep", [INDEX_LABEL]: String(i), [ATTEMPT_LABEL]: "1" });
      expect(job.env).toMatchObject({ JOB_INDEX: String(i), JOB_COUNT: "200" });
    }
    expect(sweep.results[17]?.job?.id).toBe(fake.jobs[17]?.id);
    // Waiting is batched: no job is inspected on its own, and far fewer lists than jobs.
    expect(fake.count("inspect")).toBe(0);
    expect(fake.count("list")).toBeLessThan(200);
  });

  it("serves the whole sweep with one list per tick, filtered by the sweep label", async () => {
    const fake = new FakeService({ outcome: () => ({ stage: "COMPLETED", runTicks: 2 }) });
    const sweep = await fanOut(fake.client(), { params: range(20), job: () => spec(), concurrency: 20, pollIntervalMs: POLL });
    expect(sweep.summary.completed).toBe(20);
    expect(fake.count("inspect")).toBe(0);
    // The last job created needs three passes (SCHEDULING -> RUNNING -> RUNNING -> COMPLETED), and
    // each pass is one list for all twenty jobs: nothing more after the last create than those three.
    const lastCreate = fake.requests.map((r) => r.kind).lastIndexOf("create");
    expect(fake.requests.slice(lastCreate + 1).map((r) => r.kind)).toEqual(["list", "list", "list"]);
    for (const r of fake.requests.filter((q) => q.kind === "list")) {
      expect(r.path).toBe(`/api/jobs/${NS}?label=${SWEEP_LABEL}%3D${sweep.sweepId}`);
    }
  });

  it("sends each create exactly as client.run would, plus the sweep's labels and environment", async () => {
    const fake = new FakeService();
    await fanOut(fake.client(), {
      params: [{ lr: 0.5 }],
      job: (p) => spec({ flavor: "l4x1", timeout: "90m", env: { LR: String(p.lr) }, labels: { team: "ml" }, name: "train" }),
      sweepId: "wire",
      pollIntervalMs: POLL,
    });
    expect(fake.jobs[0]?.body).toEqual({
      dockerImage: "python:3.12",
      command: ["python", "-c", "print(1)"],
      arguments: [],
      environment: { LR: "0.5", JOB_INDEX: "0", JOB_COUNT: "1" },
      flavor: "l4x1",
      timeoutSeconds: 5400,
      labels: { team: "ml", name: "train", [SWEEP_LABEL]: "wire", [INDEX_LABEL]: "0", [ATTEMPT_LABEL]: "1" },
    });
    expect(fake.requests.find((r) => r.kind === "create")?.path).toBe(`/api/jobs/${NS}`);
  });

  it("walks later list pages only while a tracked job is still unseen", async () => {
    const fake = new FakeService({ pageSize: 3, outcome: () => ({ stage: "COMPLETED", runTicks: 2 }) });
    const sweep = await fanOut(fake.client(), { params: range(9), job: () => spec(), concurrency: 9, pollIntervalMs: POLL });
    expect(sweep.summary.completed).toBe(9);
    const pages = fake.requests.filter((r) => r.kind === "list" && r.path.includes("cursor="));
    expect(pages.length).toBeGreaterThan(0);
    expect(fake.count("inspect")).toBe(0);
  });
});

describe("status passes", () => {
  it("inspects on its own a job the list keeps missing", async () => {
    const fake = new FakeService({ hidden: (job) => job.env.JOB_INDEX === "1", outcome: () => ({ stage: "COMPLETED", runTicks: 1 }) });
    const sweep = await fanOut(fake.client(), { params: range(3), job: () => spec(), concurrency: 3, pollIntervalMs: POLL });
    expect(sweep.summary.completed).toBe(3);
    const inspects = fake.requests.filter((r) => r.kind === "inspect");
    expect(inspects.length).toBeGreaterThan(0);
    expect(inspects.every((r) => r.path.endsWith(fake.jobs[1]?.id ?? "?"))).toBe(true);
  });

  it("rides out failed passes, and gives up waiting (jobs left running, nothing more launched) after ten in a row", async () => {
    const flaky = new FakeService({ listFault: (n) => (n <= 3 ? 500 : undefined) });
    const ok = await fanOut(flaky.client(), { params: range(2), job: () => spec(), pollIntervalMs: POLL });
    expect(ok.summary.completed).toBe(2);

    nock.cleanAll(); // the next fake answers on the same host
    const down = new FakeService({ listFault: () => 503 });
    const sweep = await fanOut(down.client(), { params: range(4), job: () => spec(), concurrency: 2, pollIntervalMs: POLL });
    expect(sweep.summary).toMatchObject({ detached: 2, notStarted: 2, stoppedBy: "poll-failed" });
    expect(sweep.results[0]?.error).toMatchObject({ name: "SweepStoppedError", reason: "poll-failed" });
    expect(down.count("create")).toBe(2);
    expect(down.count("cancel")).toBe(0);
  });
});

describe("results", () => {
  it("keeps input order whatever the order jobs finish in", async () => {
    const fake = new FakeService({ outcome: (job) => ({ stage: "COMPLETED", runTicks: 6 - Number(job.env.JOB_INDEX) }) });
    const finished: number[] = [];
    const sweep = await fanOut(fake.client(), {
      params: ["a", "b", "c", "d", "e"],
      job: () => spec(),
      concurrency: 5,
      pollIntervalMs: POLL,
      onProgress: (e) => {
        if (e.type === "finished") finished.push(e.index);
      },
    });
    expect(finished).toEqual([4, 3, 2, 1, 0]);
    expect(sweep.results.map((r) => r.params)).toEqual(["a", "b", "c", "d", "e"]);
    expect(sweep.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it("reports launched, stage and finished events", async () => {
    const fake = new FakeService();
    const events: Array<FanOutEvent<number>> = [];
    await fanOut(fake.client(), { params: [7], job: () => spec(), pollIntervalMs: POLL, onProgress: (e) => events.push(e) });
    expect(events.map((e) => (e.type === "stage" ? `stage:${e.previousStage}>${e.stage}` : e.type))).toEqual([
      "launched",
      "stage:SCHEDULING>RUNNING",
      "stage:RUNNING>COMPLETED",
      "finished",
    ]);
    expect(events[0]).toMatchObject({ type: "launched", index: 0, params: 7, attempt: 1, recovered: false });
  });

  it("resolves an empty sweep at once", async () => {
    const fake = new FakeService();
    const sweep = await fanOut(fake.client(), { params: [], job: () => spec(), pollIntervalMs: POLL });
    expect(sweep.results).toEqual([]);
    expect(sweep.summary).toMatchObject({ total: 0, completed: 0, costUsd: 0 });
    expect(fake.count("create") + fake.count("list")).toBe(0);
  });

  it("ignores a progress callback that throws", async () => {
    const fake = new FakeService();
    const sweep = await fanOut(fake.client(), {
      params: [1, 2],
      job: () => spec(),
      pollIntervalMs: POLL,
      onProgress: () => {
        throw new Error("boom");
      },
    });
    expect(sweep.summary.completed).toBe(2);
  });

  it("lands collect values in the results, and fails the item whose collect throws", async () => {
    const fake = new FakeService();
    const sweep = await fanOut(fake.client(), {
      params: [10, 20, 30],
      job: () => spec(),
      pollIntervalMs: POLL,
      collect: async (job, { params, index }) => {
        if (index === 1) throw new Error("no metrics");
        return { id: job.id, double: params * 2 };
      },
    });
    expect(sweep.results.map((r) => r.value)).toEqual([
      { id: fake.jobs[0]?.id, double: 20 },
      undefined,
      { id: fake.jobs[2]?.id, double: 60 },
    ]);
    expect(sweep.results[1]).toMatchObject({ outcome: "failed", ok: false, stage: "COMPLETED" });
    expect(sweep.results[1]?.error?.message).toBe("no metrics");
    expect(sweep.summary).toMatchObject({ completed: 2, failed: 1 });
  });
});

describe("retries and failures", () => {
  it("resubmits an item whose job ends in ERROR, with a new attempt label, never after COMPLETED or CANCELED", async () => {
    // Item 1 fails twice then succeeds; item 2 always fails; item 3 is cancelled by someone else.
    const fake = new FakeService({
      outcome: (job) => {
        const index = job.env.JOB_INDEX;
        const attempt = Number(job.labels[ATTEMPT_LABEL]);
        if (index === "1" && attempt < 3) return { stage: "ERROR" };
        if (index === "2") return { stage: "ERROR", message: "Job failed with exit code: 2" };
        if (index === "3") return { stage: "CANCELED" };
        return { stage: "COMPLETED" };
      },
    });
    const retried: Array<[number, number]> = [];
    const sweep = await fanOut(fake.client(), {
      params: range(4),
      job: () => spec(),
      retries: 2,
      concurrency: 4,
      pollIntervalMs: POLL,
      onProgress: (e) => {
        if (e.type === "retried") retried.push([e.index, e.attempt]);
      },
    });
    const [r0, r1, r2, r3] = sweep.results;
    expect(r0).toMatchObject({ outcome: "completed", attempts: 1 });
    expect(r1).toMatchObject({ outcome: "completed", ok: true, attempts: 3, stage: "COMPLETED" });
    expect(r1?.jobIds).toHaveLength(3);
    expect(fake.withLabels({ [INDEX_LABEL]: "1" }).map((j) => j.labels[ATTEMPT_LABEL])).toEqual(["1", "2", "3"]);
    expect(r2).toMatchObject({ outcome: "failed", ok: false, attempts: 3, stage: "ERROR" });
    expect(r2?.error).toBeInstanceOf(JobFailedError);
    expect(r2?.error?.message).toContain("exit code: 2");
    expect(r3).toMatchObject({ outcome: "canceled", ok: false, attempts: 1, stage: "CANCELED" });
    expect(fake.withLabels({ [INDEX_LABEL]: "0" })).toHaveLength(1);
    expect(fake.withLabels({ [INDEX_LABEL]: "3" })).toHaveLength(1);
    expect(retried.sort()).toEqual([
      [1, 2],
      [1, 3],
      [2, 2],
      [2, 3],
    ]);
    expect(sweep.summary).toMatchObject({ completed: 2, failed: 1, canceled: 1 });
  });

  it("without failFast, keeps going after a failure and reports each one", async () => {
    const fake = new FakeService({ outcome: (job) => ({ stage: Number(job.env.JOB_INDEX) % 2 ? "ERROR" : "COMPLETED" }) });
    const sweep = await fanOut(fake.client(), { params: range(6), job: () => spec(), concurrency: 2, pollIntervalMs: POLL });
    expect(sweep.results.map((r) => r.outcome)).toEqual(["completed", "failed", "completed", "failed", "completed", "failed"]);
    expect(fake.jobs).toHaveLength(6);
    expect(sweep.summary.stoppedBy).toBeUndefined();
  });

  it("failFast: the first failure cancels the jobs in flight and launches nothing more", async () => {
    const fake = new FakeService({
      outcome: (job) => (job.env.JOB_INDEX === "1" ? { stage: "ERROR" } : { stage: "COMPLETED", runTicks: 1000 }),
    });
    const sweep = await fanOut(fake.client(), {
      params: range(10),
      job: () => spec(),
      concurrency: 3,
      failFast: true,
      pollIntervalMs: POLL,
    });
    expect(fake.count("create")).toBe(3);
    expect(fake.count("cancel")).toBe(2);
    expect(fake.live()).toBe(0);
    expect(sweep.summary).toMatchObject({ failed: 1, canceled: 2, notStarted: 7, stoppedBy: "fail-fast" });
    expect(sweep.results[1]).toMatchObject({ outcome: "failed", stage: "ERROR" });
    for (const i of [0, 2]) {
      expect(sweep.results[i]).toMatchObject({ outcome: "canceled", stage: "CANCELED" });
      expect(sweep.results[i]?.error).toBeInstanceOf(SweepStoppedError);
    }
    for (const r of sweep.results.slice(3)) {
      expect(r).toMatchObject({ outcome: "not-started", attempts: 0, jobIds: [] });
      expect(r.error).toMatchObject({ name: "SweepStoppedError", reason: "fail-fast" });
    }
  });

  it("reports a create the service rejects as a failed item, and keeps going", async () => {
    const fake = new FakeService({ createFault: (n) => (n === 2 ? { status: 403 } : undefined) });
    const sweep = await fanOut(fake.client(), { params: range(3), job: () => spec(), concurrency: 1, pollIntervalMs: POLL });
    expect(sweep.results.map((r) => r.outcome)).toEqual(["completed", "failed", "completed"]);
    expect(sweep.results[1]?.error?.name).toBe("PermissionDeniedError");
    expect(fake.count("create")).toBe(3);
  });
});

describe("abort", () => {
  it("stops launching, cancels the jobs in flight and resolves with every item accounted for", async () => {
    const fake = new FakeService({ outcome: () => ({ stage: "COMPLETED", runTicks: 1000 }) });
    const controller = new AbortController();
    let launched = 0;
    const sweep = await fanOut(fake.client(), {
      params: range(6),
      job: () => spec(),
      concurrency: 3,
      pollIntervalMs: POLL,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "stage" && e.stage === "RUNNING" && ++launched === 3) controller.abort();
      },
    });
    expect(sweep.results).toHaveLength(6);
    expect(fake.count("create")).toBe(3);
    expect(fake.count("cancel")).toBe(3);
    expect(fake.live()).toBe(0);
    expect(sweep.results.slice(0, 3).every((r) => r.outcome === "canceled" && r.stage === "CANCELED")).toBe(true);
    expect(sweep.results.slice(3).every((r) => r.outcome === "not-started")).toBe(true);
    expect(sweep.summary).toMatchObject({ canceled: 3, notStarted: 3, stoppedBy: "aborted" });
  });

  it("leaves the jobs running with cancelOnAbort: false", async () => {
    const fake = new FakeService({ outcome: () => ({ stage: "COMPLETED", runTicks: 1000 }) });
    const controller = new AbortController();
    const sweep = await fanOut(fake.client(), {
      params: range(4),
      job: () => spec(),
      concurrency: 2,
      pollIntervalMs: POLL,
      signal: controller.signal,
      cancelOnAbort: false,
      onProgress: (e) => {
        if (e.type === "launched" && e.index === 1) controller.abort();
      },
    });
    expect(fake.count("cancel")).toBe(0);
    expect(fake.live()).toBe(2);
    expect(sweep.results.map((r) => r.outcome)).toEqual(["detached", "detached", "not-started", "not-started"]);
    expect(sweep.summary.detached).toBe(2);
  });

  it("keeps an item completed when the abort cuts its collect short", async () => {
    const fake = new FakeService();
    const controller = new AbortController();
    const sweep = await fanOut(fake.client(), {
      params: [0],
      job: () => spec(),
      pollIntervalMs: POLL,
      signal: controller.signal,
      // Reads slowly: the caller aborts meanwhile, and collect gives up with an AbortError.
      collect: (_job, { signal }) =>
        new Promise<number>((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
          controller.abort();
        }),
    });
    const [r] = sweep.results;
    expect(r).toMatchObject({ outcome: "completed", ok: true, stage: "COMPLETED", attempts: 1 });
    expect(r?.value).toBeUndefined();
    expect(r?.error).toMatchObject({ name: "SweepStoppedError", reason: "aborted" });
    expect((r?.error?.cause as Error | undefined)?.name).toBe("AbortError");
    expect(sweep.summary).toMatchObject({ completed: 1, failed: 0, stoppedBy: "aborted" });
  });

  it("resolves with nothing launched when the signal is already aborted", async () => {
    const fake = new FakeService();
    const sweep = await fanOut(fake.client(), { params: range(3), job: () => spec(), signal: AbortSignal.abort() });
    expect(fake.count("create")).toBe(0);
    expect(sweep.summary).toMatchObject({ notStarted: 3, stoppedBy: "aborted" });
  });
});

describe("resume", () => {
  it("skips the items already COMPLETED, waits for the one still running and runs the rest", async () => {
    const fake = new FakeService();
    const labels = (i: number, attempt: number) => ({ [SWEEP_LABEL]: "lr-sweep", [INDEX_LABEL]: String(i), [ATTEMPT_LABEL]: String(attempt) });
    const done = fake.seed({ labels: labels(0, 1), flavor: "cpu-basic" }, "COMPLETED", { runningSecs: 60 });
    fake.seed({ labels: labels(1, 1) }, "ERROR");
    // Still running when the sweep lists it (each list pass is a tick of the fake).
    const running = fake.seed({ labels: labels(2, 1) }, "RUNNING", { runTicks: 3 });
    const events: string[] = [];
    const sweep = await fanOut(fake.client(), {
      params: range(4),
      job: () => spec(),
      sweepId: "lr-sweep",
      resume: true,
      pollIntervalMs: POLL,
      collect: (job) => job.id,
      onProgress: (e) => events.push(`${e.type}:${e.index}`),
    });
    expect(sweep.results.map((r) => r.outcome)).toEqual(["skipped", "completed", "completed", "completed"]);
    expect(sweep.results[0]).toMatchObject({ ok: true, attempts: 0, costUsd: 0, value: done.id });
    expect(sweep.results[0]?.job?.id).toBe(done.id);
    expect(sweep.results[2]?.jobIds).toEqual([running.id]);
    // Only items 1 and 3 were created; item 1 gets a fresh attempt number.
    expect(fake.count("create")).toBe(2);
    expect(fake.withLabels({ [INDEX_LABEL]: "1" }).map((j) => j.labels[ATTEMPT_LABEL])).toEqual(["1", "2"]);
    expect(fake.withLabels({ [INDEX_LABEL]: "3" }).map((j) => j.labels[ATTEMPT_LABEL])).toEqual(["1"]);
    expect(events).toContain("skipped:0");
    expect(sweep.summary).toMatchObject({ skipped: 1, completed: 3 });
  });

  it("skips an item that COMPLETED even if a later job of it still runs, and reports that job without touching it", async () => {
    const fake = new FakeService();
    const labels = (attempt: number) => ({ [SWEEP_LABEL]: "stray", [INDEX_LABEL]: "0", [ATTEMPT_LABEL]: String(attempt) });
    const done = fake.seed({ labels: labels(1) }, "COMPLETED");
    const stray = fake.seed({ labels: labels(2) }, "RUNNING", { runTicks: 1000 });
    const events: Array<FanOutEvent<number>> = [];
    const sweep = await fanOut(fake.client(), {
      params: range(2),
      job: () => spec(),
      sweepId: "stray",
      resume: true,
      pollIntervalMs: POLL,
      onProgress: (e) => events.push(e),
    });
    const [r0, r1] = sweep.results;
    expect(r0).toMatchObject({ outcome: "skipped", ok: true, attempts: 0, jobIds: [] });
    expect(r0?.job?.id).toBe(done.id);
    expect(r0?.strayJobs?.map((j) => j.id)).toEqual([stray.id]);
    const skipped = events.find((e) => e.type === "skipped");
    expect(skipped?.type === "skipped" && skipped.strayJobs?.map((j) => j.id)).toEqual([stray.id]);
    expect(r1?.outcome).toBe("completed");
    expect(r1?.strayJobs).toBeUndefined();
    // Neither adopted nor cancelled: it keeps running, and only item 1 was created.
    expect(fake.count("cancel")).toBe(0);
    expect(fake.count("create")).toBe(1);
    expect(stray.stage).toBe("RUNNING");
    expect(String(sweep)).toContain(`earlier job still running: ${stray.id}`);
  });

  it("waits for the newest job still in flight and reports the other ones in flight as strayJobs, untouched", async () => {
    const fake = new FakeService();
    const labels = (attempt: number) => ({ [SWEEP_LABEL]: "two-live", [INDEX_LABEL]: "0", [ATTEMPT_LABEL]: String(attempt) });
    const older = fake.seed({ labels: labels(1) }, "RUNNING", { runTicks: 1000 });
    const newer = fake.seed({ labels: labels(2) }, "RUNNING", { runTicks: 2 });
    const sweep = await fanOut(fake.client(), { params: [0], job: () => spec(), sweepId: "two-live", resume: true, pollIntervalMs: POLL });
    expect(sweep.results[0]).toMatchObject({ outcome: "completed", jobIds: [newer.id] });
    expect(sweep.results[0]?.strayJobs?.map((j) => j.id)).toEqual([older.id]);
    expect(fake.count("create")).toBe(0);
    expect(fake.count("cancel")).toBe(0);
  });

  it("without resume, reruns every item of a reused sweep id with attempt numbers that do not collide", async () => {
    const fake = new FakeService();
    fake.seed({ labels: { [SWEEP_LABEL]: "again", [INDEX_LABEL]: "0", [ATTEMPT_LABEL]: "1" } }, "COMPLETED");
    const sweep = await fanOut(fake.client(), { params: [0], job: () => spec(), sweepId: "again", pollIntervalMs: POLL });
    expect(sweep.results[0]).toMatchObject({ outcome: "completed", attempts: 1 });
    expect(fake.withLabels({ [SWEEP_LABEL]: "again" }).map((j) => j.labels[ATTEMPT_LABEL])).toEqual(["1", "2"]);
  });
});

describe("cost and budget", () => {
  it("costs each item from its running seconds and its flavor's price, retries included, and sums them", async () => {
    const fake = new FakeService({
      outcome: (job) => {
        const i = job.env.JOB_INDEX;
        if (i === "2" && job.labels[ATTEMPT_LABEL] === "1") return { stage: "ERROR", runningSecs: 30 };
        return { stage: "COMPLETED", runningSecs: i === "0" ? 120 : 60 };
      },
    });
    const sweep = await fanOut(fake.client(), {
      params: grid({ flavor: ["a10g-small", "l4x1", "cpu-basic"] }),
      job: (p) => spec({ flavor: p.flavor }),
      retries: 1,
      pollIntervalMs: POLL,
    });
    const a10g = 0.016667;
    const l4 = 0.013333;
    const cpu = 0.000167;
    expect(sweep.results[0]?.costUsd).toBeCloseTo(2 * a10g, 10);
    expect(sweep.results[1]?.costUsd).toBeCloseTo(1 * l4, 10);
    expect(sweep.results[2]?.costUsd).toBeCloseTo(0.5 * cpu + 1 * cpu, 10);
    expect(sweep.results.map((r) => r.runningSecs)).toEqual([120, 60, 90]);
    expect(sweep.summary.costUsd).toBeCloseTo(2 * a10g + l4 + 1.5 * cpu, 10);
    expect(sweep.summary.runningSecs).toBe(270);
    expect(sweep.summary.costComplete).toBe(true);
    expect(fake.count("hardware")).toBe(1);
  });

  it("marks the cost unknown for a flavor the hardware list lacks", async () => {
    const fake = new FakeService({ outcome: () => ({ stage: "COMPLETED", runningSecs: 60 }) });
    const sweep = await fanOut(fake.client(), {
      params: ["cpu-basic", "zz-new-flavor"],
      job: (flavor) => spec({ flavor }),
      pollIntervalMs: POLL,
    });
    expect(sweep.results[1]?.costUsd).toBeUndefined();
    expect(sweep.summary.costComplete).toBe(false);
    expect(sweep.summary.costUsd).toBeCloseTo(0.000167, 10);
  });

  it("refuses to start when the worst case is over maxCostUsd, before any job request", async () => {
    const fake = new FakeService();
    const run = fanOut(fake.client(), {
      params: range(3),
      job: (i) => spec({ flavor: "a10g-small", timeout: i === 2 ? undefined : "10m" }),
      maxCostUsd: 0.6,
    });
    // 10 + 10 + 30 (the service default) minutes at $0.016667.
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as BudgetExceededError).estimate.worstCaseUsd).toBeCloseTo(50 * 0.016667, 10);
    expect((error as BudgetExceededError).estimate.items[2]).toMatchObject({ timeoutSeconds: 1800, defaultTimeout: true });
    expect(fake.requests.map((r) => r.kind)).toEqual(["hardware"]);
  });

  it("starts when the worst case fits", async () => {
    const fake = new FakeService();
    const sweep = await fanOut(fake.client(), {
      params: range(3),
      job: () => spec({ flavor: "a10g-small", timeout: "10m" }),
      maxCostUsd: 0.6,
      pollIntervalMs: POLL,
    });
    expect(sweep.summary.completed).toBe(3);
  });

  it("refuses a budget it cannot check (a flavor without a price)", async () => {
    const fake = new FakeService();
    const error = await fanOut(fake.client(), { params: [1], job: () => spec({ flavor: "zz-new" }), maxCostUsd: 10 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("maxCostUsd");
    expect(fake.count("create")).toBe(0);
  });

  // One hour on a10g-small: the worst case of one attempt, $1.00002.
  const HOUR = 60 * 0.016667;
  const hourJob = () => spec({ flavor: "a10g-small", timeout: "60m" });

  /** The item failed for good because its retry did not fit in the budget. */
  function expectRetryRefused(result: { outcome: string; attempts: number; error?: Error } | undefined): void {
    expect(result).toMatchObject({ outcome: "failed", attempts: 1 });
    expect(result?.error).toBeInstanceOf(JobFailedError);
    expect(result?.error?.cause).toMatchObject({ name: "SweepStoppedError", reason: "budget" });
  }

  it("launches no retry that could take the sweep over maxCostUsd", async () => {
    // 4 items at $1, retries: 1, budget $4.50; every attempt fails at its timeout. The spend ($4)
    // is under the budget, but a retry could cost $1 more: none is launched.
    const fake = new FakeService({ outcome: () => ({ stage: "ERROR", runningSecs: 3600 }) });
    const events: string[] = [];
    const sweep = await fanOut(fake.client(), {
      params: range(4),
      job: hourJob,
      retries: 1,
      concurrency: 4,
      maxCostUsd: 4.5,
      pollIntervalMs: POLL,
      onProgress: (e) => events.push(e.type),
    });
    expect(fake.count("create")).toBe(4);
    expect(events).not.toContain("retried");
    for (const r of sweep.results) expectRetryRefused(r);
    expect(sweep.summary).toMatchObject({ failed: 4, stoppedBy: "budget" });
    expect(sweep.summary.costUsd).toBeCloseTo(4 * HOUR, 10);
  });

  it("counts creates under way: retries launched together never exceed maxCostUsd", async () => {
    // The four first attempts fail on the same tick; $6.50 has room for exactly two retries.
    const fake = new FakeService({ outcome: () => ({ stage: "ERROR", runningSecs: 3600 }) });
    const sweep = await fanOut(fake.client(), {
      params: range(4),
      job: hourJob,
      retries: 1,
      concurrency: 4,
      maxCostUsd: 6.5,
      pollIntervalMs: POLL,
    });
    expect(fake.count("create")).toBe(6);
    expect(sweep.results.map((r) => r.attempts).sort()).toEqual([1, 1, 2, 2]);
    expect(sweep.summary.stoppedBy).toBe("budget");
    expect(sweep.summary.costUsd).toBeLessThanOrEqual(6.5);
  });

  it("reserves the worst case of the jobs in flight before a retry", async () => {
    // Item 0 fails after a minute while item 1 still runs (it may take its whole hour).
    const outcome = (job: { env: Record<string, string> }) =>
      job.env.JOB_INDEX === "0" ? ({ stage: "ERROR", runningSecs: 60 } as const) : ({ stage: "COMPLETED", runningSecs: 3600, runTicks: 6 } as const);
    const options = { params: range(2), job: hourJob, retries: 1, concurrency: 2, pollIntervalMs: POLL };
    // $0.02 spent + $1 in flight + $1 for the retry = $2.02: over $2.01, within $2.50.
    const tight = new FakeService({ outcome });
    const refused = await fanOut(tight.client(), { ...options, maxCostUsd: 2.01 });
    expect(tight.count("create")).toBe(2);
    expectRetryRefused(refused.results[0]);
    expect(refused.results[1]?.outcome).toBe("completed");
    expect(refused.summary.stoppedBy).toBe("budget");

    nock.cleanAll(); // the next fake answers on the same host
    const roomy = new FakeService({ outcome });
    const retried = await fanOut(roomy.client(), { ...options, maxCostUsd: 2.5 });
    expect(roomy.count("create")).toBe(3);
    expect(retried.results[0]).toMatchObject({ outcome: "failed", attempts: 2 });
    expect(retried.summary.stoppedBy).toBeUndefined();
  });

  it("reports the items the budget leaves no room for as not-started", async () => {
    // One at a time: item 0 fails twice ($2), item 1 completes ($3 spent), item 2 ($1 more) no longer fits $3.50.
    const fake = new FakeService({
      outcome: (job) => (job.env.JOB_INDEX === "0" ? { stage: "ERROR", runningSecs: 3600 } : { stage: "COMPLETED", runningSecs: 3600 }),
    });
    const sweep = await fanOut(fake.client(), {
      params: range(3),
      job: hourJob,
      retries: 1,
      concurrency: 1,
      maxCostUsd: 3.5,
      pollIntervalMs: POLL,
    });
    expect(fake.count("create")).toBe(3);
    expect(sweep.results.map((r) => [r.outcome, r.attempts])).toEqual([
      ["failed", 2],
      ["completed", 1],
      ["not-started", 0],
    ]);
    expect(sweep.results[2]?.error).toMatchObject({ name: "SweepStoppedError", reason: "budget" });
    expect(sweep.summary).toMatchObject({ notStarted: 1, stoppedBy: "budget" });
  });

  it("adds $0.01/hour for exposed ports to the cost and to the worst case", async () => {
    const fake = new FakeService({ outcome: () => ({ stage: "COMPLETED", runningSecs: 3600 }) });
    const options = {
      params: [[8000], []],
      job: (expose: number[]) => spec({ flavor: "cpu-basic", timeout: "2h", expose }),
      pollIntervalMs: POLL,
    };
    const cpuHour = 60 * 0.000167;
    const sweep = await fanOut(fake.client(), options);
    expect(sweep.results[0]?.costUsd).toBeCloseTo(cpuHour + 0.01, 10);
    expect(sweep.results[1]?.costUsd).toBeCloseTo(cpuHour, 10);
    expect(sweep.plan.estimate.items[0]).toMatchObject({ exposesPorts: true, pricePerMinuteUsd: 0.000167 });
    expect(sweep.plan.estimate.items[0]?.worstCaseUsd).toBeCloseTo(2 * (cpuHour + 0.01), 10);
    expect(sweep.plan.estimate.worstCaseUsd).toBeCloseTo(4 * cpuHour + 0.02, 10);
    // The budget check counts it too: $0.0601 does not fit $0.05.
    const error = await fanOut(fake.client(), { ...options, maxCostUsd: 0.05 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
  });
});

describe("dry run", () => {
  it("returns the resolved specs and the estimate, and sends no job request", async () => {
    const fake = new FakeService();
    const sweep = await fanOut(fake.client(), {
      params: grid({ lr: [0.1, 0.2], flavor: ["a10g-small", "l4x1"] }),
      job: (p) => spec({ flavor: p.flavor, env: { LR: String(p.lr) }, timeout: "1h" }),
      sweepId: "dry",
      retries: 1,
      dryRun: true,
    });
    expect(fake.requests.map((r) => r.kind)).toEqual(["hardware"]);
    expect(sweep.dryRun).toBe(true);
    expect(sweep.plan.items).toHaveLength(4);
    expect(sweep.plan.items[3]?.spec).toMatchObject({
      flavor: "l4x1",
      env: { LR: "0.2", JOB_INDEX: "3", JOB_COUNT: "4" },
      labels: { [SWEEP_LABEL]: "dry", [INDEX_LABEL]: "3", [ATTEMPT_LABEL]: "1" },
    });
    const worst = 2 * 60 * 0.016667 + 2 * 60 * 0.013333;
    expect(sweep.plan.estimate.worstCaseUsd).toBeCloseTo(worst, 10);
    expect(sweep.plan.estimate.worstCaseWithRetriesUsd).toBeCloseTo(2 * worst, 10);
    expect(sweep.results.every((r) => r.outcome === "not-started" && r.error === undefined)).toBe(true);
    expect(String(sweep)).toContain("Dry run of sweep dry: 4 items");
  });

  it("with resume, lists the earlier run and plans, estimates and checks the budget of the items it would launch", async () => {
    const fake = new FakeService();
    const labels = (i: number) => ({ [SWEEP_LABEL]: "dry-resume", [INDEX_LABEL]: String(i), [ATTEMPT_LABEL]: "1" });
    const done = [fake.seed({ labels: labels(0) }, "COMPLETED"), fake.seed({ labels: labels(2) }, "COMPLETED")];
    fake.seed({ labels: labels(1) }, "ERROR");
    // Four items at $1 worst case each; only two are left to run, which fits $2.50.
    const sweep = await fanOut(fake.client(), {
      params: range(4),
      job: () => spec({ flavor: "a10g-small", timeout: "60m" }),
      sweepId: "dry-resume",
      resume: true,
      dryRun: true,
      maxCostUsd: 2.5,
    });
    expect(fake.requests.map((r) => r.kind)).toEqual(["hardware", "list"]);
    expect(fake.jobs).toHaveLength(3);
    expect(sweep.plan.skipped).toEqual([0, 2]);
    expect(sweep.plan.estimate.items.map((i) => i.index)).toEqual([1, 3]);
    expect(sweep.plan.estimate.worstCaseUsd).toBeCloseTo(2 * 60 * 0.016667, 10);
    expect(sweep.results.map((r) => r.outcome)).toEqual(["skipped", "not-started", "skipped", "not-started"]);
    expect(sweep.results[2]?.job?.id).toBe(done[1]?.id);
    expect(sweep.summary).toMatchObject({ skipped: 2, notStarted: 2 });
    expect(String(sweep)).toContain("4 items (2 skipped by resume)");
    // The same sweep with $1.50 is refused, as the real run would be.
    const error = await fanOut(fake.client(), {
      params: range(4),
      job: () => spec({ flavor: "a10g-small", timeout: "60m" }),
      sweepId: "dry-resume",
      resume: true,
      dryRun: true,
      maxCostUsd: 1.5,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(fake.count("create")).toBe(0);
  });

  it("resolves uv jobs to the spec that would be run", async () => {
    const fake = new FakeService();
    const sweep = await fanOut(fake.client(), {
      params: [1],
      job: () => ({ script: "https://example.com/train.py", dependencies: ["trl"], flavor: "a10g-small" }),
      dryRun: true,
    });
    const planned = sweep.plan.items[0]?.spec;
    expect(planned?.image).toContain("uv");
    expect(planned?.command?.join(" ")).toContain("https://example.com/train.py");
    expect(planned?.env).toMatchObject({ JOB_INDEX: "0", JOB_COUNT: "1" });
    expect(fake.count("create")).toBe(0);
  });
});

describe("creates whose outcome is unknown", () => {
  it("finds the job by its labels instead of creating a second one when the connection drops after the create", async () => {
    const fake = new FakeService({ createFault: (n) => (n === 2 ? "drop-after-handling" : undefined) });
    const events: Array<FanOutEvent<number>> = [];
    const sweep = await fanOut(fake.client(), {
      params: range(3),
      job: () => spec(),
      concurrency: 1,
      sweepId: "unclear",
      pollIntervalMs: POLL,
      onProgress: (e) => events.push(e),
    });
    expect(fake.jobs).toHaveLength(3);
    expect(fake.count("create")).toBe(3);
    expect(fake.withLabels({ [INDEX_LABEL]: "1" })).toHaveLength(1);
    expect(sweep.results.map((r) => r.outcome)).toEqual(["completed", "completed", "completed"]);
    expect(sweep.results[1]?.job?.id).toBe(fake.withLabels({ [INDEX_LABEL]: "1" })[0]?.id);
    expect(events.find((e) => e.type === "launched" && e.index === 1)).toMatchObject({ recovered: true });
    // The lookup asks for exactly that sweep and item (every attempt of it).
    expect(fake.requests.some((r) => r.kind === "list" && r.path.includes(`label=${INDEX_LABEL}%3D1`) && r.path.includes(`label=${SWEEP_LABEL}%3Dunclear`))).toBe(true);
  });

  it("sends the create again, under the next attempt number, only once the grace window passed with nothing found", async () => {
    const fake = new FakeService({ createFault: (n) => (n === 1 ? "drop-before-handling" : undefined) });
    const events: Array<FanOutEvent<number>> = [];
    const sweep = await fanOut(fake.client(), {
      params: [0],
      job: () => spec(),
      sweepId: "lost",
      pollIntervalMs: POLL,
      createGraceMs: 10 * POLL,
      onProgress: (e) => events.push(e),
    });
    expect(fake.count("create")).toBe(2);
    expect(fake.jobs).toHaveLength(1);
    expect(fake.jobs[0]?.labels[ATTEMPT_LABEL]).toBe("2");
    // Looked up several times over the window, never sent again in between.
    const kinds = fake.requests.map((r) => r.kind);
    const first = kinds.indexOf("create");
    const second = kinds.indexOf("create", first + 1);
    expect(second - first).toBeGreaterThan(2);
    expect(kinds.slice(first + 1, second).every((k) => k === "list")).toBe(true);
    expect(sweep.results[0]).toMatchObject({ outcome: "completed", attempts: 1, jobIds: [fake.jobs[0]?.id] });
    expect(events.find((e) => e.type === "launched")).toMatchObject({ attempt: 2, recovered: false });
  });

  it("never sends an unclear create again while its lookups fail: the item fails with the create's error", async () => {
    const fake = new FakeService({ createFault: () => "drop-after-handling", listFault: () => 500 });
    const sweep = await fanOut(fake.client(), { params: [0], job: () => spec(), pollIntervalMs: POLL, createGraceMs: 4 * POLL });
    expect(fake.count("create")).toBe(1);
    expect(fake.count("list")).toBeGreaterThan(1);
    expect(sweep.results[0]).toMatchObject({ outcome: "failed", jobIds: [] });
    expect(sweep.results[0]?.error?.name).toBe("AmbiguousCreateError");
  });

  it("treats a 5xx on create as unclear too", async () => {
    const fake = new FakeService({ createFault: (n) => (n === 1 ? { status: 503 } : undefined) });
    const sweep = await fanOut(fake.client(), { params: [0], job: () => spec(), pollIntervalMs: POLL, createGraceMs: 4 * POLL });
    expect(fake.jobs).toHaveLength(1);
    expect(sweep.results[0]?.outcome).toBe("completed");
  });

  it("waits and sends again a create rejected with 429", async () => {
    const fake = new FakeService({ createFault: (n) => (n <= 2 ? { status: 429, retryAfter: "0" } : undefined) });
    const sweep = await fanOut(fake.client(), { params: [0], job: () => spec(), pollIntervalMs: POLL });
    expect(fake.count("create")).toBe(3);
    expect(fake.jobs).toHaveLength(1);
    expect(sweep.results[0]?.outcome).toBe("completed");
  });
});

describe("validation before any request", () => {
  async function rejects(options: Parameters<typeof fanOut<number>>[1]): Promise<ValidationError> {
    const fake = new FakeService();
    const error = await fanOut(fake.client(), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(fake.requests).toEqual([]);
    return error as ValidationError;
  }

  it("names the item whose spec is invalid", async () => {
    const error = await rejects({ params: range(5), job: (i) => spec({ timeout: i === 3 ? "soon" : "1m" }) });
    expect(error.field).toBe("items[3].timeout");
    expect(error.cause).toBeInstanceOf(ValidationError);
  });

  it("names the item whose job() throws", async () => {
    const error = await rejects({
      params: range(3),
      job: (i) => {
        if (i === 1) throw new Error("no such flavor in my table");
        return spec();
      },
    });
    expect(error.field).toBe("items[1]");
    expect(error.message).toContain("no such flavor in my table");
  });

  it("rejects labels and environment variables the sweep sets itself", async () => {
    expect((await rejects({ params: [0], job: () => spec({ labels: { [SWEEP_LABEL]: "x" } }) })).field).toBe(
      `items[0].labels.${SWEEP_LABEL}`,
    );
    expect((await rejects({ params: [0], job: () => spec({ env: { JOB_INDEX: "9" } }) })).field).toBe("items[0].env.JOB_INDEX");
  });

  it("rejects jobs spread over several namespaces", async () => {
    const error = await rejects({ params: [0, 1], job: (i) => spec({ namespace: i ? "org-b" : "org-a" }) });
    expect(error.field).toBe("items[1].namespace");
  });

  it("checks the options", async () => {
    const job = () => spec();
    expect((await rejects({ params: [0], job, concurrency: 0 })).field).toBe("concurrency");
    expect((await rejects({ params: [0], job, retries: -1 })).field).toBe("retries");
    expect((await rejects({ params: [0], job, pollIntervalMs: 0 })).field).toBe("pollIntervalMs");
    expect((await rejects({ params: [0], job, maxCostUsd: Number.NaN })).field).toBe("maxCostUsd");
    expect((await rejects({ params: [0], job, sweepId: "has space" })).field).toBe("sweepId");
    expect((await rejects({ params: [0], job, sweepId: "x".repeat(101) })).field).toBe("sweepId");
    expect((await rejects({ params: [0], job, resume: true })).field).toBe("resume");
    expect((await rejects({ params: "abc" as unknown as number[], job })).field).toBe("params");
  });

  it("generates a label-safe sweep id", async () => {
    const fake = new FakeService();
    const sweep = await fanOut(fake.client(), { params: [0], job: () => spec(), dryRun: true });
    expect(sweep.sweepId).toMatch(/^sweep-\d{8}t\d{6}-[0-9a-f]{6}$/);
  });
});
