// Memory: a process follows a ~1 GB log with `client.logs` while the job prints it, sampling its
// own RSS. Reported: the peak, and the slope of RSS against the log read so far (MB of RSS per
// 100 MB of log), which stays near 0 when memory does not grow with the log.
import { JobsClient } from "@org/hf-jobs";
import { startEmulator } from "@org/hf-jobs/emulator";
import { printLinesJob } from "./jobs.mjs";
import { MB, fmtBytes, progress, runWorker, settings, slope } from "./lib.mjs";

const LINE_BYTES = 100;

export async function benchMemory() {
  const targetBytes = Math.round(1024 * MB * settings.scale);
  const lines = Math.max(1000, Math.round(targetBytes / LINE_BYTES));
  const emu = await startEmulator({ containerEngine: "none", logger: () => {} });
  try {
    const client = new JobsClient({ endpoint: emu.url, token: emu.token, namespace: emu.namespace });
    progress(`memory: a job prints ${fmtBytes(lines * LINE_BYTES)} (${lines.toLocaleString("en-US")} lines), followed live`);
    const job = await client.run(printLinesJob(lines, LINE_BYTES));
    const result = await runWorker("worker-memory.mjs", { url: emu.url, token: emu.token, namespace: emu.namespace, jobId: job.id, sampleMs: 100 });
    if (result.lines !== lines) throw new Error(`the follow yielded ${result.lines} lines, expected ${lines}`);
    const samples = result.samples;
    // Past the first 10 % of the log: start-up (JIT, first buffers) is not growth.
    const steady = samples.filter((s) => s.logBytes >= 0.1 * result.logBytes);
    const perMbOfLog = slope(steady.map((s) => ({ x: s.logBytes / MB, y: s.rss / MB })));
    const peak = Math.max(...samples.map((s) => s.rss));
    const atPeak = samples.find((s) => s.rss === peak);
    const atTenth = steady[0]?.rss ?? peak;
    progress(`memory: peak RSS ${fmtBytes(peak)}, slope ${(perMbOfLog * 100).toFixed(2)} MB per 100 MB of log`);
    return {
      logBytes: result.logBytes,
      lines,
      ms: result.ms,
      startRss: result.startRss,
      peakRss: peak,
      rssAtTenth: atTenth,
      endRss: samples.at(-1)?.rss ?? peak,
      atPeak: atPeak && { heapTotal: atPeak.heapTotal, heapUsed: atPeak.heapUsed, external: atPeak.external, arrayBuffers: atPeak.arrayBuffers },
      slopeMbPer100Mb: perMbOfLog * 100,
      samples: samples.length,
      series: downsample(samples, 200),
    };
  } finally {
    await emu.close();
  }
}

function downsample(samples, max) {
  if (samples.length <= max) return samples;
  const step = samples.length / max;
  return Array.from({ length: max }, (_, i) => samples[Math.floor(i * step)]);
}
