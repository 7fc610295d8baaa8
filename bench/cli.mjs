// CLI start: whole processes (spawn to exit) of `hf-jobs --help` and `hf-jobs ps` against the
// emulator, interleaved with `node -e ""` (what any Node command pays before running a line).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { JobsClient } from "@org/hf-jobs";
import { startEmulator } from "@org/hf-jobs/emulator";
import { SHORT_JOB } from "./jobs.mjs";
import { ROOT, fmtMs, median, progress, settings } from "./lib.mjs";

const CLI = join(ROOT, "dist", "cli.js");

export const COMMANDS = {
  node: { label: 'node -e ""', args: ["-e", ""] },
  help: { label: "hf-jobs --help", args: [CLI, "--help"] },
  ps: { label: "hf-jobs ps (emulator)", args: [CLI, "ps"] },
};

/** Runs `node args` to its end; resolves with the wall time, rejects on a non-zero exit. */
function timeProcess(args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, output });
      else reject(new Error(`node ${args.join(" ")} exited with ${signal ?? code}: ${output.slice(-1000)}`));
    });
  });
}

export async function benchCli() {
  const emu = await startEmulator({ containerEngine: "none", logger: () => {} });
  try {
    // One finished job, so that `ps -a` would have a row and `ps` goes through a real list call.
    const client = new JobsClient({ endpoint: emu.url, token: emu.token, namespace: emu.namespace });
    const job = await client.run(SHORT_JOB);
    await client.wait(job.id, { pollIntervalMs: 50 });
    // The token and endpoint come from the environment, the namespace from `whoami-v2`, as for a user.
    const env = { ...process.env, HF_TOKEN: emu.token, HF_ENDPOINT: emu.url, NO_COLOR: "1" };
    delete env.DEBUG;
    const names = Object.keys(COMMANDS);
    const runs = Object.fromEntries(names.map((n) => [n, []]));
    for (let i = 0; i < settings.importRuns; i++) {
      const order = names.map((_, k) => names[(k + i) % names.length]);
      for (const name of order) {
        const { ms, output } = await timeProcess(COMMANDS[name].args, env);
        if (name === "help" && !/hf-jobs/.test(output)) throw new Error("hf-jobs --help printed no usage");
        runs[name].push(ms);
      }
    }
    const commands = Object.fromEntries(names.map((n) => [n, { label: COMMANDS[n].label, medianMs: median(runs[n]), runsMs: runs[n] }]));
    progress(`cli: --help ${fmtMs(commands.help.medianMs)}, ps ${fmtMs(commands.ps.medianMs)}, node -e "" ${fmtMs(commands.node.medianMs)}`);
    return { runs: settings.importRuns, commands };
  } finally {
    await emu.close();
  }
}
