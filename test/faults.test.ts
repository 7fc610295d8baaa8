// Fault injection, request by request: the SDK's promises under 429 storms, 503 bursts, creates
// that are handled but never answered, answers slower than the timeout and jobs that never leave
// SCHEDULING. No duplicate job, every call ends with the right outcome or the right typed error.
// (Streams: faults-streams.test.ts; sweeps: faults-sweep.test.ts; leaks: faults-exit.test.ts.)
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/index.js";
import {
  AmbiguousCreateError,
  InternalServerError,
  JobFailedError,
  JobStalledError,
  type JobsClient,
  RateLimitError,
  RequestTimeoutError,
  WaitTimeoutError,
} from "../src/index.js";
import { faultClient, jobsLabelled, pause, sh, startFaultEmulator, uniqueLabel } from "./fixtures/faults/helpers.js";

let emu: Emulator;
let client: JobsClient;
let jobsPath: string;

beforeAll(async () => {
  emu = await startFaultEmulator();
  client = faultClient(emu);
  jobsPath = `/api/jobs/${emu.namespace}`;
});
afterEach(() => emu.faults.clear());
afterAll(() => emu?.close());

/** Starts a job (without faults) and returns its id. */
async function started(script = "exit 0", label = uniqueLabel("job")): Promise<string> {
  return (await client.run(sh(script, { labels: { case: label } }))).id;
}

describe("429 storms with Retry-After", () => {
  it("inspect rides out a storm shorter than its retries", async () => {
    const id = await started();
    const path = `${jobsPath}/${id}`;
    emu.requests.reset();
    emu.faults.add({ method: "GET", path, status: 429, retryAfter: "0.02", times: 2 });
    const job = await client.inspect(id);
    expect(job.id).toBe(id);
    expect(emu.requests.count({ method: "GET", path })).toBe(3);
  });

  it("a storm longer than the retries ends in a RateLimitError that carries Retry-After", async () => {
    const id = await started();
    const path = `${jobsPath}/${id}`;
    emu.requests.reset();
    emu.faults.add({ method: "GET", path, status: 429, retryAfter: "0.02", times: 10 });
    const error = await client.inspect(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(20);
    expect(emu.requests.count({ method: "GET", path })).toBe(3); // 1 + maxRetries (2)
  });

  it("a Retry-After longer than the client accepts is not waited for", async () => {
    const impatient = faultClient(emu, { retryDelays: { baseMs: 10, maxMs: 50, maxRetryAfterMs: 1000 } });
    emu.requests.reset();
    emu.faults.add({ method: "GET", path: "/api/jobs/hardware", status: 429, retryAfter: 120, times: 5 });
    const error = await impatient.hardware().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(120_000);
    expect(emu.requests.count({ path: "/api/jobs/hardware" })).toBe(1);
  });

  it("run answered 429 is not sent again and creates nothing", async () => {
    const label = uniqueLabel("run-429");
    emu.requests.reset();
    emu.faults.add({ method: "POST", path: jobsPath, status: 429, retryAfter: "0.02", times: 1 });
    await expect(client.run(sh("exit 0", { labels: { case: label } }))).rejects.toBeInstanceOf(RateLimitError);
    expect(emu.requests.count({ method: "POST", path: jobsPath })).toBe(1);
    expect(await jobsLabelled(client, "case", label)).toHaveLength(0);
  });

  it("wait keeps polling through a storm longer than the retries and ends COMPLETED", async () => {
    const id = await started("sleep 0.2");
    emu.faults.add({ method: "GET", path: `${jobsPath}/${id}`, status: 429, retryAfter: "0.01", times: 8 });
    const job = await client.wait(id, { pollIntervalMs: 20, maxPollIntervalMs: 40 });
    expect(job.status.stage).toBe("COMPLETED");
  });

  it("waitAll on a label selector rides out a storm on the list route", async () => {
    const label = uniqueLabel("waitall-429");
    for (let i = 0; i < 3; i++) await client.run(sh(`exit ${i === 1 ? 2 : 0}`, { labels: { case: label } }));
    emu.faults.add({ method: "GET", path: jobsPath, status: 429, retryAfter: "0.01", times: 7 });
    const jobs = await client.waitAll({ labels: { case: label } }, { pollIntervalMs: 20, maxPollIntervalMs: 40 });
    expect(jobs.map((j) => j.status.stage).sort()).toEqual(["COMPLETED", "COMPLETED", "ERROR"]);
  });
});

describe("503 bursts", () => {
  it("list pages through a burst (every page request retried)", async () => {
    const label = uniqueLabel("list-503");
    for (let i = 0; i < 3; i++) await client.run(sh("exit 0", { labels: { case: label } }));
    emu.requests.reset();
    emu.faults.add({ method: "GET", path: jobsPath, status: 503, times: 2 });
    expect(await jobsLabelled(client, "case", label)).toHaveLength(3);
    expect(emu.requests.count({ method: "GET", path: jobsPath })).toBe(3);
  });

  it("wait with throwOnFailure through bursts throws the JobFailedError of the job, not the 503", async () => {
    const id = await started("exit 3");
    emu.faults.add({ method: "GET", path: `${jobsPath}/${id}`, status: 503, times: 7 });
    const error = await client.wait(id, { throwOnFailure: true, pollIntervalMs: 20, maxPollIntervalMs: 40 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).stage).toBe("ERROR");
    expect((error as JobFailedError).statusMessage).toContain("exit code: 3");
  });

  it("cancel is retried through a burst and the job ends CANCELED", async () => {
    const id = await started("sleep 30");
    emu.faults.add({ method: "POST", path: `${jobsPath}/${id}/cancel`, status: 503, times: 2 });
    await client.cancel(id);
    expect((await client.wait(id, { pollIntervalMs: 20 })).status.stage).toBe("CANCELED");
  });

  it("run answered 503 is not sent again: an InternalServerError and no job", async () => {
    const label = uniqueLabel("run-503");
    emu.requests.reset();
    emu.faults.add({ method: "POST", path: jobsPath, status: 503, times: 3 });
    await expect(client.run(sh("exit 0", { labels: { case: label } }))).rejects.toBeInstanceOf(InternalServerError);
    expect(emu.requests.count({ method: "POST", path: jobsPath })).toBe(1);
    expect(await jobsLabelled(client, "case", label)).toHaveLength(0);
  });
});

describe("creates accepted then dropped", () => {
  it("run: AmbiguousCreateError, sent once, exactly one job exists and runs to the end", async () => {
    const label = uniqueLabel("run-drop");
    emu.requests.reset();
    emu.faults.add({ method: "POST", path: jobsPath, dropAfterHandling: true, times: 1 });
    await expect(client.run(sh("exit 0", { labels: { case: label } }))).rejects.toBeInstanceOf(AmbiguousCreateError);
    expect(emu.requests.count({ method: "POST", path: jobsPath })).toBe(1);
    const jobs = await jobsLabelled(client, "case", label);
    expect(jobs).toHaveLength(1);
    expect((await client.wait(jobs[0]!.id, { pollIntervalMs: 20 })).status.stage).toBe("COMPLETED");
  });

  it("duplicate: AmbiguousCreateError, sent once, exactly one copy", async () => {
    const label = uniqueLabel("dup-drop");
    const id = await started("exit 0", label);
    emu.requests.reset();
    emu.faults.add({ method: "POST", path: `${jobsPath}/*/duplicate`, dropAfterHandling: true, times: 1 });
    await expect(client.duplicate(id)).rejects.toBeInstanceOf(AmbiguousCreateError);
    expect(emu.requests.count({ method: "POST", path: `${jobsPath}/*/duplicate` })).toBe(1);
    expect(await jobsLabelled(client, "case", label)).toHaveLength(2); // the original and one copy
  });

  it("scheduled.create: AmbiguousCreateError, sent once, exactly one scheduled job", async () => {
    const path = `/api/scheduled-jobs/${emu.namespace}`;
    const before = (await client.scheduled.list()).length;
    emu.requests.reset();
    emu.faults.add({ method: "POST", path, dropAfterHandling: true, times: 1 });
    await expect(client.scheduled.create({ schedule: "@yearly", job: sh("exit 0") })).rejects.toBeInstanceOf(AmbiguousCreateError);
    expect(emu.requests.count({ method: "POST", path })).toBe(1);
    const after = await client.scheduled.list();
    expect(after).toHaveLength(before + 1);
    for (const sj of after) await client.scheduled.delete(sj.id);
  });
});

describe("responses slower than the timeout", () => {
  it("inspect: an answer slower than timeoutMs is a RequestTimeoutError, and the call ends there", async () => {
    const id = await started();
    const path = `${jobsPath}/${id}`;
    emu.requests.reset();
    emu.faults.add({ method: "GET", path, latencyMs: 400, times: 3 });
    await expect(client.inspect(id, { timeoutMs: 80 })).rejects.toBeInstanceOf(RequestTimeoutError);
    // timeoutMs bounds the whole call: the first attempt used it up, so nothing was retried.
    expect(emu.requests.count({ method: "GET", path })).toBe(1);
  });

  it("inspect: a quick failure is retried within timeoutMs and succeeds", async () => {
    const id = await started();
    emu.faults.add({ method: "GET", path: `${jobsPath}/${id}`, status: 503, times: 1 });
    expect((await client.inspect(id, { timeoutMs: 5_000 })).id).toBe(id);
  });

  it("run: a RequestTimeoutError, the create is not sent again, and never two jobs", async () => {
    const label = uniqueLabel("run-slow");
    emu.requests.reset();
    emu.faults.add({ method: "POST", path: jobsPath, latencyMs: 300, times: 1 });
    const error = await client.run(sh("exit 0", { labels: { case: label } }), { timeoutMs: 60 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(String(error)).toContain("may have been created");
    expect(emu.requests.count({ method: "POST", path: jobsPath })).toBe(1);
    await pause(400); // past the injected latency: whatever the emulator does with the request is done
    expect((await jobsLabelled(client, "case", label)).length).toBeLessThanOrEqual(1);
    expect(emu.requests.count({ method: "POST", path: jobsPath })).toBe(1);
  });
});

describe("jobs stuck in scheduling", () => {
  it("wait with maxSchedulingMs throws JobStalledError and leaves the job alone", async () => {
    emu.faults.add({ stuckInScheduling: true, times: 1 });
    const { id } = await client.run(sh("exit 0"));
    const error = await client.wait(id, { maxSchedulingMs: 150, pollIntervalMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobStalledError);
    expect((error as JobStalledError).canceled).toBe(false);
    expect((error as JobStalledError).job.id).toBe(id);
    expect((await client.inspect(id)).status.stage).toBe("SCHEDULING");
    await client.cancel(id);
  });

  it("with cancelOnStall the stalled job is canceled", async () => {
    emu.faults.add({ stuckInScheduling: true, times: 1 });
    const { id } = await client.run(sh("exit 0"));
    const error = await client.wait(id, { maxSchedulingMs: 150, pollIntervalMs: 20, cancelOnStall: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobStalledError);
    expect((error as JobStalledError).canceled).toBe(true);
    expect((await client.inspect(id)).status.stage).toBe("CANCELED");
  });

  it("waitAll names the stalled job among healthy ones", async () => {
    const healthy = await started("exit 0");
    emu.faults.add({ stuckInScheduling: true, times: 1 });
    const { id: stuck } = await client.run(sh("exit 0"));
    const error = await client
      .waitAll([healthy, stuck], { maxSchedulingMs: 150, pollIntervalMs: 20, cancelOnStall: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobStalledError);
    expect((error as JobStalledError).job.id).toBe(stuck);
    expect((await client.inspect(stuck)).status.stage).toBe("CANCELED");
    expect((await client.wait(healthy, { pollIntervalMs: 20 })).status.stage).toBe("COMPLETED");
  });

  it("without maxSchedulingMs, a wait with a timeout ends in WaitTimeoutError with the last stage", async () => {
    emu.faults.add({ stuckInScheduling: true, times: 1 });
    const { id } = await client.run(sh("exit 0"));
    const error = await client.wait(id, { timeoutMs: 200, pollIntervalMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).job?.status.stage).toBe("SCHEDULING");
    await client.cancel(id);
  });
});
