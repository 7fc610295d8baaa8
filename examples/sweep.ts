/**
 * A small parameter sweep with fanOut: 6 jobs (3 learning rates x 2 seeds), 3 at a time, one retry,
 * a budget, and the metrics each job prints as its last JSON line, collected into a table.
 *
 *   npx tsx examples/sweep.ts            # on a local emulator (even when HF_TOKEN is set)
 *   npx tsx examples/sweep.ts --remote   # on Hugging Face (needs HF_TOKEN): cpu-basic, 6 jobs of ~5 s, well under $0.01
 *
 * Ctrl-C aborts the sweep: its jobs are cancelled and the partial results printed.
 */
import { JobsClient, fanOut, grid, lastJsonLine } from "../src/index.js";
import { startEmulator } from "../src/emulator/index.js";

// Spending real money takes an explicit --remote: a token in the environment is not consent.
const remote = process.argv.includes("--remote");
if (remote && !process.env.HF_TOKEN) {
  console.error("--remote needs HF_TOKEN (a token allowed to run Jobs).");
  process.exit(2);
}

// Host processes: the jobs run `node`, which is on this machine (no image to pull).
const emulator = remote ? undefined : await startEmulator({ containerEngine: "none", logger: () => {} });
const client = emulator
  ? new JobsClient({ endpoint: emulator.url, token: emulator.token, namespace: emulator.namespace })
  : new JobsClient();
console.error(emulator ? `Local emulator at ${emulator.url} (--remote runs on Hugging Face)` : `Hugging Face at ${client.endpoint}`);

// A stand-in for training: a loss that depends on the learning rate and the seed, printed as JSON.
const train = `
const lr = Number(process.env.LR), seed = Number(process.env.SEED);
for (let step = 1; step <= 3; step++) {
  console.log("step " + step + "/3 (job " + process.env.JOB_INDEX + " of " + process.env.JOB_COUNT + ")");
  await new Promise((r) => setTimeout(r, 300));
}
const loss = Math.abs(Math.log10(lr) + 3.3) + seed / 100;
console.log(JSON.stringify({ lr, seed, loss: Number(loss.toFixed(4)) }));
`;

const controller = new AbortController();
process.once("SIGINT", () => controller.abort());

try {
  const sweep = await fanOut(client, {
    params: grid({ lr: [1e-4, 5e-4, 1e-3], seed: [1, 2] }),
    job: (p) => ({
      image: "node:20-slim",
      command: ["node", "--input-type=module", "-e", train],
      env: { LR: String(p.lr), SEED: String(p.seed) },
      flavor: "cpu-basic",
      timeout: "5m",
    }),
    concurrency: 3,
    retries: 1,
    maxCostUsd: 0.05, // 6 jobs x 5 min x $0.000167/min is the worst case: $0.005
    pollIntervalMs: emulator ? 200 : 2000,
    signal: controller.signal,
    collect: lastJsonLine<{ lr: number; seed: number; loss: number }>(client, { idleTimeoutMs: emulator ? 500 : 2000 }),
    onProgress: (e) => {
      if (e.type === "launched") console.error(`  launched #${e.index} ${e.job.id}`);
      if (e.type === "finished") console.error(`  finished #${e.index}: ${e.result.outcome}`);
    },
  });
  console.log(String(sweep));
  const best = sweep.results
    .flatMap((r) => (r.ok && r.value ? [r.value] : []))
    .sort((a, b) => a.loss - b.loss)[0];
  if (best) console.log(`\nBest: lr=${best.lr} seed=${best.seed} loss=${best.loss}`);
  console.log(`Resume later with sweepId "${sweep.sweepId}" and resume: true.`);
} finally {
  await emulator?.close();
}
