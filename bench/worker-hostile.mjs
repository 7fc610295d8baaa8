// One call against the hostile server: how it ends (result, typed error, or nothing by the
// deadline), how long it took, and this process's peak RSS (kernel-tracked, so a short spike
// between two samples is not missed).
import { JobsClient } from "@org/hf-jobs";
import { workerParams, workerResult } from "./lib.mjs";

const { url, token, namespace, jobId, call, timeoutMs, maxRetries, deadlineMs } = workerParams();
const client = new JobsClient({ endpoint: url, token, namespace, timeoutMs, ...(maxRetries === undefined ? {} : { maxRetries }) });
const controller = new AbortController();

async function run() {
  if (call === "inspect") {
    const job = await client.inspect(jobId);
    return `returned job ${job.id}`;
  }
  let lines = 0;
  let chars = 0;
  for await (const line of client.logs(jobId, { follow: call === "follow", signal: controller.signal })) {
    lines++;
    chars += line.text.length;
  }
  return `ended after ${lines} lines (${chars} characters)`;
}

const peakRss = () => process.resourceUsage().maxRSS * 1024;
const startRss = process.memoryUsage.rss();
const started = performance.now();
let outcome;
const deadline = new Promise((resolve) => {
  setTimeout(() => resolve("deadline"), deadlineMs).unref();
});
const settled = run().then(
  (text) => ({ ok: true, text }),
  (error) => ({ ok: false, text: `${error?.name ?? "Error"}: ${String(error?.message ?? error).slice(0, 160)}` }),
);
const first = await Promise.race([settled, deadline]);
const ms = performance.now() - started;
if (first === "deadline") {
  outcome = `did not fail within ${Math.round(deadlineMs / 1000)} s`;
  controller.abort();
} else {
  outcome = first.ok ? first.text : `threw ${first.text}`;
}
workerResult({ outcome, failed: first !== "deadline" && !first.ok, timedOut: first === "deadline", ms, startRss, peakRss: peakRss() });
process.exit(0);
