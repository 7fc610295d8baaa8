// fanOut: 1,000 short jobs at concurrency 64, against a naive loop of `run` + `wait` per job with
// the same client (p-limit, also 64). Wall time, client CPU per job (the client runs in its own
// process; the emulator's work is not counted) and HTTP requests per job (counted by the emulator).
import { startEmulator } from "@org/hf-jobs/emulator";
import { fmtInt, median, progress, runWorker, settings } from "./lib.mjs";

export const MODES = {
  fanout: "fanOut",
  naive: "naive run + wait (p-limit)",
};
const CONCURRENCY = 64;
// Both sides poll at the same interval, so the comparison is about the requests, not the tuning.
const POLL_MS = 500;

export async function benchFanOut() {
  const jobs = Math.max(10, Math.round(1000 * settings.scale));
  const names = Object.keys(MODES);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < settings.fanOutRounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const mode of order) {
      // A fresh emulator per run: same starting conditions, and its request log counts one run.
      const emu = await startEmulator({ containerEngine: "none", logger: () => {} });
      try {
        const result = await runWorker("worker-fanout.mjs", {
          mode,
          url: emu.url,
          token: emu.token,
          namespace: emu.namespace,
          jobs,
          concurrency: CONCURRENCY,
          pollIntervalMs: POLL_MS,
        });
        if (result.completed !== jobs) throw new Error(`${mode}: ${result.completed}/${jobs} jobs completed`);
        const requests = emu.requests.count();
        runs[mode].push({ ...result, requests });
        progress(`fanout: round ${round + 1}/${settings.fanOutRounds} ${mode.padEnd(6)} ${fmtInt(result.wallMs)} ms, ${(requests / jobs).toFixed(2)} requests/job`);
      } finally {
        await emu.close();
      }
    }
  }
  const summary = Object.fromEntries(
    names.map((mode) => {
      const r = runs[mode];
      return [
        mode,
        {
          label: MODES[mode],
          wallMs: median(r.map((x) => x.wallMs)),
          cpuMsPerJob: median(r.map((x) => (x.cpuUserMs + x.cpuSystemMs) / jobs)),
          requestsPerJob: median(r.map((x) => x.requests / jobs)),
          runs: r,
        },
      ];
    }),
  );
  return { jobs, concurrency: CONCURRENCY, pollIntervalMs: POLL_MS, rounds: settings.fanOutRounds, ...summary };
}
