// Follows a job's log to its end and samples this process's RSS against the log bytes read so far.
import { JobsClient } from "@org/hf-jobs";
import { workerParams, workerResult } from "./lib.mjs";

const { url, token, namespace, jobId, sampleMs } = workerParams();
const client = new JobsClient({ endpoint: url, token, namespace });

let lines = 0;
let logBytes = 0;
const started = performance.now();
const samples = [];
// Where the memory is: V8's heap (JS objects, strings), external memory (Buffers and the like).
const sample = () => {
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  samples.push({ ms: Math.round(performance.now() - started), logBytes, rss, heapTotal, heapUsed, external, arrayBuffers });
};
const startRss = process.memoryUsage.rss();
const timer = setInterval(sample, sampleMs);
for await (const line of client.logs(jobId, { follow: true })) {
  lines++;
  // Bytes of the line as the job printed it (UTF-8 text + newline).
  logBytes += Buffer.byteLength(line.text) + 1;
}
clearInterval(timer);
sample();
workerResult({ lines, logBytes, ms: performance.now() - started, startRss, samples });
