// Log streaming: lines/s and MB/s of `client.logs` on a long finished log, against a bare reader
// (fetch + eventsource-parser, no SDK) and `streamJobLogs` of @huggingface/hub. Same stream, same
// machine; each reader runs in a fresh process, in interleaved rounds; medians are reported.
import { JobsClient } from "@org/hf-jobs";
import { startEmulator } from "@org/hf-jobs/emulator";
import { printLinesJob } from "./jobs.mjs";
import { MB, fmtInt, median, progress, runWorker, settings } from "./lib.mjs";

export const READERS = {
  sdk: "client.logs (follow)",
  bare: "bare fetch + eventsource-parser",
  hub: "@huggingface/hub streamJobLogs",
};

export async function benchLogs() {
  const lines = Math.max(1000, Math.round(1_000_000 * settings.scale));
  // The emulator ends a stream once its job has ended and everything was sent (its default, as the
  // service does): every reader reads to the same end.
  const emu = await startEmulator({ containerEngine: "none", logger: () => {} });
  try {
    const client = new JobsClient({ endpoint: emu.url, token: emu.token, namespace: emu.namespace });
    progress(`logs: a job prints ${fmtInt(lines)} lines`);
    const job = await client.run(printLinesJob(lines));
    const done = await client.wait(job.id, { pollIntervalMs: 200, maxPollIntervalMs: 500 });
    if (done.status.stage !== "COMPLETED") throw new Error(`log job ended ${done.status.stage}: ${done.status.message}`);

    const params = { url: emu.url, token: emu.token, namespace: emu.namespace, jobId: job.id };
    const names = Object.keys(READERS);
    const runs = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < settings.logRuns; round++) {
      // Rotate the order, so that no reader always runs first (or right after another one).
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const reader of order) {
        const result = await runWorker("worker-logs.mjs", { ...params, reader });
        runs[reader].push(result);
        progress(`logs: round ${round + 1}/${settings.logRuns} ${reader.padEnd(4)} ${fmtInt(result.ms)} ms, ${fmtInt(result.lines)} lines`);
      }
    }

    // Every reader must have read the same log: the SDK hides the `===== Job started` line.
    for (const r of runs.sdk) if (r.lines !== lines) throw new Error(`client.logs yielded ${r.lines} lines, expected ${lines}`);
    for (const name of ["bare", "hub"]) {
      for (const r of runs[name]) if (r.lines !== lines + 1) throw new Error(`${name} read ${r.lines} events, expected ${lines + 1}`);
    }
    const chars = new Set(names.flatMap((n) => runs[n].map((r) => r.chars - (n === "sdk" ? 0 : r.firstChars))));
    if (chars.size !== 1) throw new Error(`the readers disagree on the text of the log: ${[...chars].join(", ")} characters`);

    const wireBytes = runs.bare[0].bytes;
    const readers = Object.fromEntries(
      names.map((name) => {
        const ms = median(runs[name].map((r) => r.ms));
        return [
          name,
          {
            label: READERS[name],
            medianMs: ms,
            linesPerSec: (lines / ms) * 1000,
            mbPerSec: wireBytes / MB / (ms / 1000),
            peakRss: median(runs[name].map((r) => r.peakRss)),
            runsMs: runs[name].map((r) => r.ms),
          },
        ];
      }),
    );
    return {
      lines,
      wireBytes,
      runs: settings.logRuns,
      readers,
      ratioVsBare: readers.sdk.linesPerSec / readers.bare.linesPerSec,
      ratioVsHub: readers.sdk.linesPerSec / readers.hub.linesPerSec,
    };
  } finally {
    await emu.close();
  }
}
