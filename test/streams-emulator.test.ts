// A follow must end right whether the server closes a finished job's log stream or keeps it open:
// the service's behaviour is not documented, so both emulator settings are exercised here (the
// one test file that names the knob, for that reason).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/index.js";
import type { JobsClient, LogsOptions } from "../src/index.js";
import { cuttingFetch, faultClient, numbered, numberedJob, startFaultEmulator } from "./fixtures/faults/helpers.js";

const FAST: LogsOptions = {
  follow: true,
  statusCheckMs: 50,
  maxStatusCheckMs: 100,
  drainMs: 100,
  reconnect: { baseDelayMs: 5, maxDelayMs: 20 },
};

const emulators: Emulator[] = [];
afterAll(async () => {
  await Promise.all(emulators.map((e) => e.close()));
});

async function follow(client: JobsClient, id: string, options: LogsOptions = {}): Promise<{ lines: string[]; stage?: string }> {
  const stream = client.logs(id, { ...FAST, ...options });
  const lines: string[] = [];
  for await (const line of stream) lines.push(line.text);
  return { lines, stage: stream.job?.status.stage };
}

describe.each([
  ["closes a finished job's log stream (closeLogStreamsAtJobEnd: true)", true],
  ["keeps a finished job's log stream open (closeLogStreamsAtJobEnd: false)", false],
])("an emulator that %s", (_name, closeLogStreamsAtJobEnd) => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startFaultEmulator({ closeLogStreamsAtJobEnd, keepAliveMs: 100 });
    emulators.push(emu);
  });

  it("a live follow ends with the job: every line once, the final job", async () => {
    const client = faultClient(emu);
    const { id } = await client.run(numberedJob(1500));
    const { lines, stage } = await follow(client, id);
    expect(lines).toEqual(numbered(1500));
    expect(stage).toBe("COMPLETED");
  });

  it("a live follow cut every 200 events: every line once, the final job", async () => {
    const cut = cuttingFetch(emu, 200);
    const client = faultClient(emu, { fetch: cut.fetch });
    const { id } = await client.run(numberedJob(1500));
    const { lines, stage } = await follow(client, id);
    expect(lines).toEqual(numbered(1500));
    expect(stage).toBe("COMPLETED");
    expect(cut.connections()).toBeGreaterThanOrEqual(8);
  });

  it("a follow with tail of a finished job, cut twice: the last lines once", async () => {
    const client = faultClient(emu);
    const { id } = await client.run(numberedJob(800));
    await client.wait(id, { pollIntervalMs: 20 });
    emu.faults.add({ path: "/api/jobs/*/*/logs", closeStreamAfterEvents: 30, times: 1 });
    emu.faults.add({ path: "/api/jobs/*/*/logs", closeStreamAfterEvents: 90, times: 1 });
    const { lines, stage } = await follow(client, id, { tail: 120 });
    expect(lines).toEqual(numbered(800, 680));
    expect(stage).toBe("COMPLETED");
  });
});
