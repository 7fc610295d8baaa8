// fanOut under faults: 503 bursts on creates and polls, creates handled but never answered, 429
// storms with Retry-After, creates slower than the timeout. The promises: every item gets exactly
// one result, in input order, and the service holds exactly one job per item (no duplicate).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/index.js";
import { type FanOutEvent, type FanOutResult, INDEX_LABEL, type JobsClient, SWEEP_LABEL, fanOut } from "../src/index.js";
import { faultClient, jobsLabelled, sh, startFaultEmulator } from "./fixtures/faults/helpers.js";

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

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

interface Sweep {
  result: FanOutResult<number>;
  events: Array<FanOutEvent<number>>;
}

async function sweep(items: number, over: JobsClient = client): Promise<Sweep> {
  const events: Array<FanOutEvent<number>> = [];
  const result = await fanOut(over, {
    params: range(items),
    job: (i) => sh(`exit 0 # item ${i}`),
    concurrency: 4,
    pollIntervalMs: 20,
    // Long enough for the slowest create below (400 ms) to show up before any resend.
    createGraceMs: 1500,
    // No sweepId: a given one makes fanOut list earlier runs first, a request it does not retry past its retries.
    onProgress: (e) => events.push(e),
  });
  return { result, events };
}

/** Exactly one result per item, in input order, all completed; exactly one job per item on the service. */
async function expectOneEach({ result }: Sweep, items: number): Promise<void> {
  expect(result.results.map((r) => r.index)).toEqual(range(items));
  expect(result.results.map((r) => r.outcome)).toEqual(range(items).map(() => "completed"));
  for (const r of result.results) expect(r.jobIds).toHaveLength(1);
  const jobs = await jobsLabelled(client, SWEEP_LABEL, result.sweepId);
  expect(jobs.map((j) => Number(j.labels[INDEX_LABEL])).sort((a, b) => a - b)).toEqual(range(items));
  expect(new Set(result.results.map((r) => r.jobIds[0]))).toEqual(new Set(jobs.map((j) => j.id)));
}

describe("fanOut under faults", () => {
  it("503 bursts on creates and on the status list: one result and one job per item", async () => {
    emu.faults.add({ method: "POST", path: jobsPath, status: 503, times: 5 });
    emu.faults.add({ method: "GET", path: jobsPath, status: 503, times: 6 });
    const s = await sweep(12);
    await expectOneEach(s, 12);
  });

  it("creates accepted then dropped: the jobs are found by their labels and adopted, none duplicated", async () => {
    emu.faults.add({ method: "POST", path: jobsPath, dropAfterHandling: true, times: 4 });
    const s = await sweep(10);
    await expectOneEach(s, 10);
    const recovered = s.events.filter((e) => e.type === "launched" && e.recovered);
    expect(recovered).toHaveLength(4);
  });

  it("a 429 storm on creates with Retry-After: creates wait and are sent again, one job per item", async () => {
    emu.requests.reset();
    emu.faults.add({ method: "POST", path: jobsPath, status: 429, retryAfter: "0.02", times: 8 });
    const s = await sweep(8);
    await expectOneEach(s, 8);
    expect(emu.requests.count({ method: "POST", path: jobsPath })).toBe(8 + 8);
  });

  it("creates slower than the client timeout: looked up before being sent again, one job per item", async () => {
    const impatient = faultClient(emu, { timeoutMs: 150 });
    emu.faults.add({ method: "POST", path: jobsPath, latencyMs: 400, times: 3 });
    const s = await sweep(6, impatient);
    await expectOneEach(s, 6);
  });

  it("everything at once: every item still has exactly one result and one job", async () => {
    // Each rule is spent only on the requests it acts on: 2 creates answered 503, 4 answered 429
    // and 6 handled then dropped, in whatever order the concurrent creates meet them.
    emu.requests.reset();
    emu.faults.add({ method: "POST", path: jobsPath, status: 503, times: 2 });
    emu.faults.add({ method: "POST", path: jobsPath, status: 429, retryAfter: "0.01", times: 4 });
    emu.faults.add({ method: "POST", path: jobsPath, dropAfterHandling: true, times: 6 });
    emu.faults.add({ method: "GET", path: jobsPath, status: 503, times: 4 });
    const s = await sweep(16);
    await expectOneEach(s, 16);
    expect(s.events.filter((e) => e.type === "launched" && e.recovered)).toHaveLength(6);
    // One create per item, plus one resend per create answered 503 or 429; none for the dropped ones.
    expect(emu.requests.count({ method: "POST", path: jobsPath })).toBe(16 + 6);
  });
});
