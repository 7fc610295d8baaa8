// Request overhead: `client.inspect` against a bare `fetch` of the same URL (+ `res.json()`), per
// sequential call, in one worker process, in alternating blocks after a warm-up.
import { JobsClient } from "@org/hf-jobs";
import { startEmulator } from "@org/hf-jobs/emulator";
import { SHORT_JOB } from "./jobs.mjs";
import { progress, runWorker } from "./lib.mjs";

export async function benchOverhead() {
  const emu = await startEmulator({ containerEngine: "none", logger: () => {} });
  try {
    const client = new JobsClient({ endpoint: emu.url, token: emu.token, namespace: emu.namespace });
    const job = await client.run(SHORT_JOB);
    await client.wait(job.id, { pollIntervalMs: 50 });
    progress("overhead: inspect vs bare fetch");
    const result = await runWorker("worker-overhead.mjs", { url: emu.url, token: emu.token, namespace: emu.namespace, jobId: job.id, warmup: 500, blocks: 40, perBlock: 100 });
    progress(`overhead: sdk median ${result.sdk.medianUs.toFixed(0)} µs, bare ${result.bare.medianUs.toFixed(0)} µs`);
    return result;
  } finally {
    await emu.close();
  }
}
