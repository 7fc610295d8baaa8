/**
 * The main demo: run a real job, stream its logs, wait for it and print the outcome.
 *
 *   npm run demo            # on a local emulator (jobs run as local processes)
 *   npm run demo -- --remote  # on Hugging Face (needs HF_TOKEN; runs on cpu-basic, costs ~$0.0002)
 */
import { JobsClient, isSuccess } from "../src/index.js";
import { startEmulator } from "../src/emulator/index.js";

const remote = process.argv.includes("--remote");
if (remote && !process.env.HF_TOKEN) {
  console.error("--remote needs HF_TOKEN (a token allowed to run Jobs).");
  process.exit(2);
}

// Host processes, named explicitly: with "auto", a container engine found on this machine would
// try to pull node:20-slim, which an offline machine cannot.
const emulator = remote ? undefined : await startEmulator({ containerEngine: "none" });
const client = emulator ? new JobsClient({ endpoint: emulator.url, token: emulator.token }) : new JobsClient();
console.log(emulator ? `Local emulator at ${emulator.url}` : `Hugging Face at ${client.endpoint}`);

// On the emulator, jobs run on this machine; `node` is certainly there. On Hugging Face the
// same command runs in the official node image.
const code = `
const n = Number(process.env.N ?? 5);
for (let i = 1; i <= n; i++) {
  console.log("step " + i + "/" + n + " on " + (process.env.ACCELERATOR && process.env.ACCELERATOR !== "none" ? process.env.ACCELERATOR : "cpu"));
  await new Promise((r) => setTimeout(r, 200));
}
console.log(JSON.stringify({ result: "done", steps: n }));
`;

try {
  const job = await client.run({
    image: "node:20-slim",
    command: ["node", "--input-type=module", "-e", code],
    env: { N: "5" },
    flavor: "cpu-basic",
    timeout: "5m",
    labels: { demo: "hf-jobs" },
  });
  console.log(`Started ${job.id} (${job.status.stage}) ${job.url}`);

  const logs = client.logs(job.id, { follow: true });
  for await (const line of logs) console.log(`  | ${line.text}`);

  const final = logs.job ?? (await client.wait(job.id));
  const seconds = final.durations.runningSecs ?? 0;
  console.log(`Job ${final.id} ${final.status.stage}${final.status.message ? `: ${final.status.message}` : ""} after ${seconds}s`);
  process.exitCode = isSuccess(final) ? 0 : 1;
} finally {
  await emulator?.close();
}
