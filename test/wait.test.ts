import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AuthenticationError,
  HfJobsError,
  JobFailedError,
  JobNotFoundError,
  JobStalledError,
  JobsClient,
  ValidationError,
  WaitTimeoutError,
} from "../src/index.js";

const A = "aaaaaaaaaaaaaaaaaaaaaaaa";
const B = "bbbbbbbbbbbbbbbbbbbbbbbb";
const C = "cccccccccccccccccccccccc";

interface Call {
  method: string;
  path: string;
  query: string;
  at: number;
}

type Answer = { status?: number; body?: unknown } | "network-error";

/** An in-memory service: `answer` decides each response; every call is recorded with its (fake) time. */
function fakeService(answer: (call: Call, calls: Call[]) => Answer | Promise<Answer>) {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const call = { method: request.method, path: url.pathname, query: decodeURIComponent(url.search), at: Date.now() };
    calls.push(call);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const result = await answer(call, calls);
      if (request.signal.aborted) throw new DOMException("aborted", "AbortError");
      if (result === "network-error") throw new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
      return new Response(JSON.stringify(result.body ?? {}), {
        status: result.status ?? 200,
        headers: { "content-type": "application/json" },
      });
    } finally {
      inFlight--;
    }
  }) as typeof globalThis.fetch;
  const client = new JobsClient({ endpoint: "http://127.0.0.1:1", token: "hf_test_token", namespace: "ns", maxRetries: 0, fetch });
  return {
    client,
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    to: (path: string) => calls.filter((c) => c.path === path),
  };
}

function job(id: string, stage: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    createdAt: "2026-05-12T14:57:00.000Z",
    status: { stage, message: stage === "ERROR" ? "Job failed with exit code: 1" : null },
    owner: { name: "ns" },
    labels: { team: "ml" },
    ...extra,
  };
}

/** The stage of a job at its n-th inspection (1-based): the last entry repeats. */
const script = (stages: string[]) => (n: number) => stages[Math.min(n, stages.length) - 1] ?? "RUNNING";

const jobPath = (id: string, ns = "ns") => `/api/jobs/${ns}/${id}`;

/** Lets a promise settle while fake time advances; returns its outcome. */
async function settle<T>(promise: Promise<T>, ms = 600_000): Promise<{ value?: T; error?: unknown }> {
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.advanceTimersByTimeAsync(ms);
  return outcome;
}

// The client's first request loads its HTTP layer from disk: real I/O that fake time cannot
// wait for, so one request is made under real timers before any test advances fake time.
beforeAll(async () => {
  await fakeService(() => ({ body: job(A, "RUNNING") })).client.inspect(A);
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  vi.setSystemTime(new Date("2026-05-12T15:00:00Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("wait()", () => {
  it("polls from 1 s, backing off by half up to the cap, and resets on a stage change", async () => {
    const stages = script(["SCHEDULING", "SCHEDULING", "SCHEDULING", "RUNNING", ...Array(8).fill("RUNNING"), "COMPLETED"]);
    const service = fakeService((_call, calls) => ({ body: job(A, stages(calls.length)) }));
    const start = Date.now();
    const { value } = await settle(service.client.wait(A));
    expect(value?.status.stage).toBe("COMPLETED");
    const times = service.calls.map((c) => c.at - start);
    const gaps = times.slice(1).map((t, i) => Math.round(t - (times[i] ?? 0)));
    expect(gaps).toEqual([
      1000, // after SCHEDULING first seen (a change)
      1500,
      2250,
      1000, // RUNNING: a change, back to 1 s
      1500,
      2250,
      3375,
      5063,
      7595,
      10_000, // the cap
      10_000,
      10_000,
    ]);
    expect(service.calls.every((c) => c.method === "GET" && c.path === jobPath(A))).toBe(true);
  });

  it("calls onStatus once per stage change", async () => {
    const stages = script(["SCHEDULING", "SCHEDULING", "RUNNING", "RUNNING", "RUNNING", "COMPLETED"]);
    const service = fakeService((_call, calls) => ({ body: job(A, stages(calls.length)) }));
    const seen: Array<[string, string | undefined]> = [];
    await settle(service.client.wait(A, { onStatus: (j, previous) => seen.push([j.status.stage, previous]) }));
    expect(seen).toEqual([
      ["SCHEDULING", undefined],
      ["RUNNING", "SCHEDULING"],
      ["COMPLETED", "RUNNING"],
    ]);
  });

  it("stops at the stage given in until, and at a terminal stage that skips it", async () => {
    const running = fakeService((_call, calls) => ({ body: job(A, script(["SCHEDULING", "RUNNING"])(calls.length)) }));
    expect((await settle(running.client.wait(A, { until: "running" }))).value?.status.stage).toBe("RUNNING");
    expect(running.calls).toHaveLength(2);

    const fast = fakeService(() => ({ body: job(A, "COMPLETED") }));
    expect((await settle(fast.client.wait(A, { until: ["RUNNING"] }))).value?.status.stage).toBe("COMPLETED");
  });

  it("throws WaitTimeoutError with the last job seen when timeoutMs passes, and stops polling", async () => {
    const service = fakeService(() => ({ body: job(A, "RUNNING") }));
    const start = Date.now();
    const { error } = await settle(service.client.wait(A, { timeoutMs: 5000 }), 5000);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).job?.status.stage).toBe("RUNNING");
    expect(Date.now() - start).toBe(5000);
    const count = service.calls.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(service.calls.length).toBe(count);
  });

  it("rejects with an AbortError when the signal aborts, and stops polling", async () => {
    const service = fakeService(() => ({ body: job(A, "RUNNING") }));
    const controller = new AbortController();
    const waiting = service.client.wait(A, { signal: controller.signal });
    setTimeout(() => controller.abort(), 3000);
    const { error } = await settle(waiting, 3000);
    expect((error as Error).name).toBe("AbortError");
    const count = service.calls.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(service.calls.length).toBe(count);
  });

  it("returns a failed job, or throws JobFailedError with throwOnFailure", async () => {
    const failing = () => fakeService((_call, calls) => ({ body: job(A, script(["RUNNING", "ERROR"])(calls.length)) }));
    expect((await settle(failing().client.wait(A))).value?.status.stage).toBe("ERROR");
    const { error } = await settle(failing().client.wait(A, { throwOnFailure: true }));
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error).toMatchObject({ stage: "ERROR", statusMessage: "Job failed with exit code: 1", job: { id: A } });
    const ok = fakeService(() => ({ body: job(A, "COMPLETED") }));
    expect((await settle(ok.client.wait(A, { throwOnFailure: true }))).value?.status.stage).toBe("COMPLETED");
  });

  it("retries transient errors (5xx, 429, network) instead of throwing", async () => {
    const answers: Answer[] = [
      { status: 503, body: { error: "unavailable" } },
      "network-error",
      { status: 429, body: { error: "slow down" } },
      { status: 500, body: {} },
      { body: job(A, "COMPLETED") },
    ];
    const service = fakeService((_call, calls) => answers[calls.length - 1] ?? { body: job(A, "COMPLETED") });
    const { value, error } = await settle(service.client.wait(A));
    expect(error).toBeUndefined();
    expect(value?.status.stage).toBe("COMPLETED");
    expect(service.calls).toHaveLength(5);
  });

  it.each([
    [404, JobNotFoundError],
    [401, AuthenticationError],
  ])("throws a permanent HTTP %i at once", async (status, type) => {
    const service = fakeService(() => ({ status, body: { error: "no" } }));
    const { error } = await settle(service.client.wait(A));
    expect(error).toBeInstanceOf(type);
    expect(service.calls).toHaveLength(1);
  });

  it("reports a job stuck in SCHEDULING longer than maxSchedulingMs", async () => {
    const service = fakeService(() => ({ body: job(A, "SCHEDULING") }));
    const start = Date.now();
    const { error } = await settle(service.client.wait(A, { maxSchedulingMs: 10_000 }));
    expect(error).toBeInstanceOf(JobStalledError);
    expect(error).toMatchObject({ canceled: false, job: { id: A } });
    const last = (service.calls.at(-1)?.at ?? 0) - start;
    expect(last).toBeGreaterThan(10_000); // thrown at the first look past the limit
    expect(last).toBeLessThan(20_000);
    expect(service.calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("cancels a stalled job with cancelOnStall", async () => {
    const service = fakeService((call) =>
      call.method === "POST" ? { body: job(A, "CANCELED") } : { body: job(A, "SCHEDULING") },
    );
    const { error } = await settle(service.client.wait(A, { maxSchedulingMs: 10_000, cancelOnStall: true }));
    expect(error).toBeInstanceOf(JobStalledError);
    expect((error as JobStalledError).canceled).toBe(true);
    expect(service.calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual([`${jobPath(A)}/cancel`]);
  });

  it("uses the service's own scheduling time: a job scheduling for 12 h stalls at the first look", async () => {
    const service = fakeService(() => ({ body: job(A, "SCHEDULING", { durations: { totalSecs: 43_200 } }) }));
    const { error } = await settle(service.client.wait(A, { maxSchedulingMs: 3_600_000 }), 10);
    expect(error).toBeInstanceOf(JobStalledError);
    expect((error as Error).message).toContain("43200 s");
    expect(service.calls).toHaveLength(1);
  });

  it("validates its options", async () => {
    const service = fakeService(() => ({ body: job(A, "COMPLETED") }));
    await expect(service.client.wait(A, { pollIntervalMs: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(service.client.wait(A, { timeoutMs: -1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(service.client.wait("not/a/valid/ref")).rejects.toBeInstanceOf(ValidationError);
    expect(service.calls).toHaveLength(0);
  });
});

describe("waitAll() with a label selector", () => {
  it("makes one list request per tick for the whole group and returns every final job", async () => {
    const finishAt: Record<string, number> = { [A]: 2, [B]: 4, [C]: 5 };
    const service = fakeService((_call, calls) => {
      const tick = calls.length;
      return { body: [A, B, C].map((id) => job(id, tick >= (finishAt[id] ?? 0) ? "COMPLETED" : "RUNNING")) };
    });
    const progress: number[] = [];
    const { value } = await settle(
      service.client.waitAll({ labels: { team: "ml" } }, { onProgress: (p) => progress.push(p.done) }),
    );
    expect(value?.map((j) => [j.id, j.status.stage])).toEqual([
      [A, "COMPLETED"],
      [B, "COMPLETED"],
      [C, "COMPLETED"],
    ]);
    // 5 ticks, 5 requests: never one per job.
    expect(service.calls).toHaveLength(5);
    expect(service.calls.every((c) => c.path === "/api/jobs/ns" && c.query === "?label=team=ml")).toBe(true);
    expect(progress).toEqual([0, 1, 2, 3]); // after ticks with a change: 1, 2, 4, 5
  });

  it("returns [] when no job carries the labels; waitAny rejects", async () => {
    const service = fakeService(() => ({ body: [] }));
    expect((await settle(service.client.waitAll({ labels: { team: "none" } }))).value).toEqual([]);
    const { error } = await settle(service.client.waitAny({ labels: { team: "none" } }));
    expect(error).toBeInstanceOf(HfJobsError);
  });

  it("keeps polling through a failed list request", async () => {
    const service = fakeService((_call, calls) => (calls.length === 1 ? { status: 502 } : { body: [job(A, "COMPLETED")] }));
    expect((await settle(service.client.waitAll({ labels: { team: "ml" }, namespace: "org" }))).value).toHaveLength(1);
    expect(service.calls.map((c) => c.path)).toEqual(["/api/jobs/org", "/api/jobs/org"]);
  });
});

describe("waitAll() with ids", () => {
  it("polls concurrently within the bound, stops polling finished jobs, and returns them in input order", async () => {
    const ids = [A, B, C, "dddddddddddddddddddddddd", "eeeeeeeeeeeeeeeeeeeeeeee"];
    const finishAt: Record<string, number> = { [A]: 1, [B]: 3 };
    const seen = new Map<string, number>();
    const service = fakeService(async (call) => {
      const id = call.path.split("/").pop() ?? "";
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      await new Promise((resolve) => setTimeout(resolve, 10)); // overlap the requests
      return { body: job(id, n >= (finishAt[id] ?? 2) ? "COMPLETED" : "RUNNING", { owner: { name: call.path.split("/")[3] } }) };
    });
    const refs = [`other/${C}`, A, B, ...ids.slice(3)];
    const { value } = await settle(service.client.waitAll(refs, { concurrency: 2 }));
    expect(value?.map((j) => j.id)).toEqual([C, A, B, ...ids.slice(3)]);
    expect(service.maxInFlight).toBe(2);
    expect(seen.get(A)).toBe(1); // finished at the first look: never polled again
    expect(seen.get(B)).toBe(3);
    expect(service.to(jobPath(C, "other"))).toHaveLength(2);
  });

  it("fails fast with throwOnFailure", async () => {
    const service = fakeService((call) => ({ body: job(call.path.endsWith(B) ? B : A, call.path.endsWith(B) ? "ERROR" : "RUNNING") }));
    const { error } = await settle(service.client.waitAll([A, B], { throwOnFailure: true }));
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).job.id).toBe(B);
  });

  it("rejects an empty list", async () => {
    const service = fakeService(() => ({ body: {} }));
    await expect(service.client.waitAll([])).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("waitAny()", () => {
  it("returns the first job to reach the stage and stops polling the others", async () => {
    const counts = new Map<string, number>();
    const service = fakeService((call) => {
      const id = call.path.split("/").pop() ?? "";
      const n = (counts.get(id) ?? 0) + 1;
      counts.set(id, n);
      return { body: job(id, id === B && n >= 3 ? "COMPLETED" : "RUNNING") };
    });
    const { value } = await settle(service.client.waitAny([A, B, C]));
    expect(value?.id).toBe(B);
    const total = service.calls.length;
    expect(total).toBe(9);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(service.calls.length).toBe(total);
  });

  it("resolves with the first in the group's order when several arrive in the same tick", async () => {
    const list = fakeService((_call, calls) => ({
      body: [job(C, calls.length >= 2 ? "COMPLETED" : "RUNNING"), job(A, calls.length >= 2 ? "COMPLETED" : "RUNNING")],
    }));
    expect((await settle(list.client.waitAny({ labels: { team: "ml" } }))).value?.id).toBe(C);
    expect(list.calls).toHaveLength(2);
  });
});

