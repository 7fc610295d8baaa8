/**
 * Entry point of the `hf-jobs` command (bundled to dist/cli.js with a `#!/usr/bin/env node`
 * banner): wires the process (argv, streams, Ctrl-C, exit code) to the command tree.
 * @module
 */
import { VERSION } from "../version.js";
import type { GroupSpec } from "./command.js";
import { emulatorCommand } from "./commands/emulator.js";
import { cancelCommand, hardwareCommand, inspectCommand, labelsCommand, psCommand } from "./commands/jobs.js";
import { runCommand, uvRunCommand } from "./commands/run.js";
import { scheduledGroup } from "./commands/scheduled.js";
import { sweepCommand } from "./commands/sweep.js";
import { logsCommand, statsCommand, waitCommand } from "./commands/watch.js";
import type { Context } from "./context.js";
import { runCli } from "./dispatch.js";
import { EXIT } from "./exit.js";

/** The command tree. */
export const ROOT: GroupSpec = {
  kind: "group",
  name: "hf-jobs",
  summary: "Run and manage Hugging Face Jobs from a shell (Docker-like).",
  usage: "hf-jobs [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS...]",
  description:
    "Global options (--token, --endpoint, --namespace, --json, -q, --verbose) may come before or after COMMAND. Run hf-jobs COMMAND --help for details; exit codes are listed in docs/cli.md.",
  examples: [`hf-jobs run python:3.12 python -c "print('hello')"`, "hf-jobs ps -a", "hf-jobs emulator"],
  commands: [
    runCommand,
    { kind: "group", name: "uv", summary: "Run Python scripts with uv", usage: "hf-jobs uv run [OPTIONS] SCRIPT [ARG...]", examples: ["hf-jobs uv run train.py"], commands: [uvRunCommand] },
    psCommand,
    inspectCommand,
    logsCommand,
    cancelCommand,
    waitCommand,
    statsCommand,
    hardwareCommand,
    labelsCommand,
    scheduledGroup,
    sweepCommand,
    emulatorCommand,
  ],
};

async function main(): Promise<void> {
  const controller = new AbortController();
  let ctx: Context | undefined;
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts += 1;
    const handler = ctx?.interruptHandler;
    if (handler && interrupts < 3) return handler();
    if (!controller.signal.aborted && interrupts < 2) return controller.abort();
    // Insisting: leave now (the jobs themselves are not touched).
    process.exit(EXIT.INTERRUPTED);
  });
  // `hf-jobs ps | head -1`: a closed pipe is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT.OK);
  });
  const code = await runCli(
    ROOT,
    process.argv.slice(2),
    { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() },
    { signal: controller.signal, onContext: (c) => (ctx = c) },
    VERSION,
  );
  // Exit explicitly (idle keep-alive sockets must not hold the process), once output is flushed.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write("", () => resolve()));
  process.exit(code);
}

void main();
