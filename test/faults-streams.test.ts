// Fault injection on log streams: connections cut every N events, while the job writes and after
// it ended, with and without `tail`. Jobs print numbered lines, so the assertion is exact: every
// line once, in order, none lost, none repeated.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/index.js";
import type { JobsClient, LogsOptions } from "../src/index.js";
import { cuttingFetch, faultClient, numbered, numberedJob, sh, startFaultEmulator } from "./fixtures/faults/helpers.js";

let emu: Emulator;
let plain: JobsClient;

// Short windows and reconnections: the faults make connections end often.
const FAST: LogsOptions = { statusCheckMs: 50, maxStatusCheckMs: 100, drainMs: 100, idleTimeoutMs: 500, reconnect: { baseDelayMs: 5, maxDelayMs: 20 } };

beforeAll(async () => {
  emu = await startFaultEmulator();
  plain = faultClient(emu);
});
afterEach(() => emu.faults.clear());
afterAll(() => emu?.close());

async function collect(client: JobsClient, id: string, options: LogsOptions): Promise<{ lines: string[]; stage?: string }> {
  const stream = client.logs(id, { ...FAST, ...options });
  const lines: string[] = [];
  for await (const line of stream) lines.push(line.text);
  return { lines, stage: stream.job?.status.stage };
}

describe("log streams cut every N events", () => {
  it("follow, while the job writes: every line exactly once, and the final job", async () => {
    const cut = cuttingFetch(emu, 250);
    const client = faultClient(emu, { fetch: cut.fetch });
    const { id } = await client.run(numberedJob(3000));
    const { lines, stage } = await collect(client, id, { follow: true });
    expect(lines).toEqual(numbered(3000));
    expect(stage).toBe("COMPLETED");
    // 3001 events (with `Job started`), 250 new ones per connection: the cuts really happened.
    expect(cut.connections()).toBeGreaterThanOrEqual(13);
  });

  it("follow of a finished job: every line exactly once", async () => {
    const { id } = await plain.run(numberedJob(1000));
    await plain.wait(id, { pollIntervalMs: 20 });
    const cut = cuttingFetch(emu, 97);
    const { lines, stage } = await collect(faultClient(emu, { fetch: cut.fetch }), id, { follow: true });
    expect(lines).toEqual(numbered(1000));
    expect(stage).toBe("COMPLETED");
    expect(cut.connections()).toBeGreaterThanOrEqual(11);
  });

  it("snapshot (no follow): a cut connection is resumed, not repeated", async () => {
    const { id } = await plain.run(numberedJob(600));
    await plain.wait(id, { pollIntervalMs: 20 });
    const cut = cuttingFetch(emu, 150);
    const { lines } = await collect(faultClient(emu, { fetch: cut.fetch }), id, { idleTimeoutMs: 300 });
    expect(lines).toEqual(numbered(600));
    expect(cut.connections()).toBeGreaterThanOrEqual(5);
  });

  it("follow with tail, cut once: the reconnection (the same tail, the log did not grow) resumes after the last line delivered", async () => {
    const { id } = await plain.run(numberedJob(500));
    await plain.wait(id, { pollIntervalMs: 20 });
    // One cut only: a reconnection replays the log from its start, so growing cuts would never reach the tail.
    emu.faults.add({ path: "/api/jobs/*/*/logs", closeStreamAfterEvents: 20, times: 1 });
    emu.requests.reset();
    const { lines } = await collect(plain, id, { follow: true, tail: 50 });
    expect(lines).toEqual(numbered(500, 450));
    expect(emu.requests.count({ path: "/api/jobs/*/*/logs" })).toBe(2);
  });

  it("a single cut on a fast stream (only the first connection) loses and repeats nothing", async () => {
    emu.faults.add({ path: "/api/jobs/*/*/logs", closeStreamAfterEvents: 1234, times: 1 });
    const { id } = await plain.run(numberedJob(5000));
    const { lines, stage } = await collect(plain, id, { follow: true });
    expect(lines).toEqual(numbered(5000));
    expect(stage).toBe("COMPLETED");
  });

  it("500 identical lines, follow with tail, cut at several points: exactly the tail, once", async () => {
    const { id } = await plain.run(sh("i=0; while [ $i -lt 500 ]; do echo 'same line'; i=$((i+1)); done"));
    await plain.wait(id, { pollIntervalMs: 20 });
    for (const [tail, cuts] of [
      [100, [3, 40, 77]],
      [450, [2, 300]],
      [600, [250, 1, 499]],
    ] as const) {
      for (const after of cuts) emu.faults.add({ path: "/api/jobs/*/*/logs", closeStreamAfterEvents: after, times: 1 });
      emu.requests.reset();
      const { lines } = await collect(plain, id, { follow: true, tail });
      expect(lines).toEqual(Array.from({ length: Math.min(tail, 500) }, () => "same line"));
      expect(emu.requests.count({ path: "/api/jobs/*/*/logs" })).toBe(cuts.length + 1);
      emu.faults.clear();
    }
  });

  it("500 identical lines, followed while the job writes them, cut every 97 events: every line once", async () => {
    const cut = cuttingFetch(emu, 97);
    const client = faultClient(emu, { fetch: cut.fetch });
    const { id } = await client.run(sh("i=0; while [ $i -lt 500 ]; do echo 'same line'; i=$((i+1)); done"));
    const { lines, stage } = await collect(client, id, { follow: true });
    expect(lines).toEqual(Array.from({ length: 500 }, () => "same line"));
    expect(stage).toBe("COMPLETED");
    expect(cut.connections()).toBeGreaterThanOrEqual(6);
  });
});
