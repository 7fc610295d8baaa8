// runOnce, the single-create form of fanOut's create protocol, against a server that keeps going
// after its client left (test/fixtures/fan-out/slow-service.ts): the call returns the one job,
// cancels any job a lost create makes late, and reports it.
import { afterEach, describe, expect, it } from "vitest";
import { CREATE_ATTEMPT_LABEL, CREATE_KEY_LABEL, ValidationError, runOnce } from "../src/index.js";
import { type Received, SlowService, type SlowServiceOptions } from "./fixtures/fan-out/slow-service.js";

let service: SlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function start(options: SlowServiceOptions = {}): Promise<SlowService> {
  service = await new SlowService(options).start();
  return service;
}

const spec = { image: "python:3.12", command: ["python", "-c", "print(1)"] };

describe("runOnce", () => {
  it("a create that commits after the client timed out is found by its key and returned: one job, one send", async () => {
    // Commits 900 ms after receipt; the client gives up after 300 ms.
    const s = await start({ commitDelayMs: () => 900 });
    const result = await runOnce(s.client({ timeoutMs: 300 }), spec, { key: "train-1", graceMs: 5000, pollIntervalMs: 25 });
    expect(s.received).toHaveLength(1);
    expect(s.jobs).toHaveLength(1);
    expect(result).toMatchObject({ key: "train-1", recovered: true, sends: 1, extraJobs: [], unresolved: [] });
    expect(result.job.id).toBe(s.jobs[0]?.id);
    expect(result.job.labels).toMatchObject({ [CREATE_KEY_LABEL]: "train-1", [CREATE_ATTEMPT_LABEL]: "1" });
  });

  it("a list that lags behind a create whose answer was lost: found within the grace window, never sent twice", async () => {
    const s = await start({ createDelivery: () => "drop", listLagMs: 600 });
    const result = await runOnce(s.client(), spec, { graceMs: 5000, pollIntervalMs: 25 });
    expect(s.received).toHaveLength(1);
    expect(result).toMatchObject({ recovered: true, sends: 1, extraJobs: [] });
  });

  it("a create that commits only after its resend: the late job is cancelled and reported, one job stays", async () => {
    const afterResend = (c: Received, svc: SlowService) =>
      c.labels[CREATE_ATTEMPT_LABEL] === "1" ? svc.until(() => svc.received.length >= 2) : undefined;
    const s = await start({ commitDelayMs: (c) => (c.labels[CREATE_ATTEMPT_LABEL] === "1" ? 400 : 0), commitWhen: afterResend, runMs: 2000 });
    const result = await runOnce(s.client(), spec, { graceMs: 300, pollIntervalMs: 25 });
    expect(s.jobs).toHaveLength(2);
    expect(s.live().map((j) => j.id)).toEqual([result.job.id]);
    expect(result.job.labels[CREATE_ATTEMPT_LABEL]).toBe("2");
    expect(result.sends).toBe(2);
    expect(result.extraJobs).toHaveLength(1);
    expect(result.extraJobs[0]).toMatchObject({ attempt: 1, leftRunning: false });
    expect(result.extraJobs[0]?.job.status.stage).toBe("CANCELED");
  });

  it("an abort during the grace window rejects at once and sends nothing more", async () => {
    const s = await start({ hangUp: () => true, commitDelayMs: () => 60_000 });
    const controller = new AbortController();
    const call = runOnce(s.client(), spec, { graceMs: 60_000, pollIntervalMs: 25, signal: controller.signal });
    await s.until(() => s.received.length === 1);
    setTimeout(() => controller.abort(), 300);
    await expect(call).rejects.toMatchObject({ name: "AbortError" });
    expect(s.received).toHaveLength(1);
  });

  it("refuses the labels it sets and a bad key before any request", async () => {
    const s = await start();
    await expect(runOnce(s.client(), { ...spec, labels: { [CREATE_KEY_LABEL]: "x" } })).rejects.toBeInstanceOf(ValidationError);
    await expect(runOnce(s.client(), spec, { key: "no spaces" })).rejects.toBeInstanceOf(ValidationError);
    expect(s.received).toHaveLength(0);
  });
});
