// Runs N short jobs with fanOut, or with a naive p-limit loop of run + wait, and reports the wall
// time and this process's CPU time (user and system).
import { JobsClient, fanOut } from "@org/hf-jobs";
import pLimit from "p-limit";
import { SHORT_JOB } from "./jobs.mjs";
import { workerParams, workerResult } from "./lib.mjs";

const { mode, url, token, namespace, jobs, concurrency, pollIntervalMs } = workerParams();
const client = new JobsClient({ endpoint: url, token, namespace });
const params = Array.from({ length: jobs }, (_, i) => i);

async function viaFanOut() {
  const sweep = await fanOut(client, { params, job: () => SHORT_JOB, concurrency, pollIntervalMs });
  return sweep.summary.completed;
}

async function naive() {
  const limit = pLimit(concurrency);
  const finals = await Promise.all(
    params.map(() =>
      limit(async () => {
        const job = await client.run(SHORT_JOB);
        return client.wait(job.id, { pollIntervalMs });
      }),
    ),
  );
  return finals.filter((job) => job.status.stage === "COMPLETED").length;
}

const cpu = process.cpuUsage();
const started = performance.now();
const completed = mode === "fanout" ? await viaFanOut() : await naive();
const wallMs = performance.now() - started;
const used = process.cpuUsage(cpu);
workerResult({ mode, completed, wallMs, cpuUserMs: used.user / 1000, cpuSystemMs: used.system / 1000 });
