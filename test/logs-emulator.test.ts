/**
 * End to end through the local emulator: a real job process, its real log stream, a real drop.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/index.js";
import { JobsClient } from "../src/index.js";

let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

// Prints `step 1` ... `step 12`, 60 ms apart, so that the follow is live, then exits 0.
const SCRIPT = "(async () => { for (let i = 1; i <= 12; i++) { console.log('step ' + i); await new Promise((r) => setTimeout(r, 60)); } })()";
const STEPS = Array.from({ length: 12 }, (_, i) => `step ${i + 1}`);

describe("logs, metrics and wait against the emulator", () => {
  it("follows a running job through a dropped connection: every line once, then the final job", async () => {
    emulator = await startEmulator({
      containerEngine: "none",
      logger: () => {},
      keepAliveMs: 200,
      metricsIntervalMs: 100,
      // The first log connection breaks after 4 events.
      faults: [{ path: /\/logs$/, closeStreamAfterEvents: 4, times: 1 }],
    });
    const client = new JobsClient({ endpoint: emulator.url, token: emulator.token });
    const job = await client.run({ image: "node:20-slim", command: ["node", "-e", SCRIPT] });

    const metrics = client.metrics(job.id, { statusCheckMs: 300 });
    const sampled = (async () => {
      let n = 0;
      for await (const sample of metrics) if (sample.receivedAt instanceof Date) n++;
      return n;
    })();

    const stream = client.logs(job.id, { follow: true, statusCheckMs: 200, drainMs: 200, reconnect: { baseDelayMs: 50 } });
    const seen: string[] = [];
    for await (const line of stream) seen.push(line.text);

    expect(seen).toEqual(STEPS);
    expect(stream.job?.status.stage).toBe("COMPLETED");
    expect(emulator.requests.count({ path: /\/logs$/ })).toBe(2);

    expect(await sampled).toBeGreaterThan(0);
    expect(metrics.job?.status.stage).toBe("COMPLETED");
    expect((await client.wait(job.id)).status.stage).toBe("COMPLETED");

    // A snapshot of the finished job replays the whole log.
    const snapshot: string[] = [];
    for await (const line of client.logs(job.id, { idleTimeoutMs: 300 })) snapshot.push(line.text);
    expect(snapshot).toEqual(STEPS);
  });
});
