/**
 * The command tree of `hf-jobs`. Each command's module is imported only when that command is
 * run (or its help shown): `hf-jobs --help` loads none, `hf-jobs ps` loads `ps` and the SDK.
 * @module
 */
import type { CommandSpec, GroupSpec, LazySpec } from "../command.js";

function lazy(name: string, summary: string, load: () => Promise<CommandSpec | GroupSpec>, aliases?: readonly string[]): LazySpec {
  return aliases ? { kind: "lazy", name, summary, aliases, load } : { kind: "lazy", name, summary, load };
}

/** The command tree. */
export const ROOT: GroupSpec = {
  kind: "group",
  name: "hf-jobs",
  summary: "Run and manage Hugging Face Jobs from a shell (Docker-like).",
  usage: "hf-jobs [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS...]",
  description:
    "Global options (--token, --endpoint, --namespace, --json, -q, --format, --no-truncate, --verbose) may come before or after COMMAND. Run hf-jobs COMMAND --help for details. Documentation, exit codes included: https://github.com/org/hf-jobs/blob/main/docs/cli.md (also in the package, docs/cli.md).",
  examples: [`hf-jobs run python:3.12 python -c "print('hello')"`, "hf-jobs ps -a", "hf-jobs emulator"],
  commands: [
    lazy("run", "Run a command in a Docker image (or a Space) on Hugging Face hardware", async () => (await import("./run.js")).runCommand),
    {
      kind: "group",
      name: "uv",
      summary: "Run Python scripts with uv",
      usage: "hf-jobs uv run [OPTIONS] SCRIPT [ARG...]",
      examples: ["hf-jobs uv run train.py"],
      commands: [lazy("run", "Run a Python script with uv (a local file, a URL or a command in the image)", async () => (await import("./run.js")).uvRunCommand)],
    },
    lazy("ps", "List jobs (running and scheduling ones unless -a or --status)", async () => (await import("./jobs.js")).psCommand, ["ls", "list"]),
    lazy("inspect", "Show jobs in full, as JSON", async () => (await import("./jobs.js")).inspectCommand),
    lazy("logs", "Print the logs of a job (a snapshot, or followed with -f)", async () => (await import("./watch.js")).logsCommand),
    lazy("cancel", "Cancel jobs", async () => (await import("./jobs.js")).cancelCommand),
    lazy("wait", "Wait for jobs to end; exit with their outcome", async () => (await import("./watch.js")).waitCommand),
    lazy("stats", "Show CPU, memory, network and GPU usage of running jobs", async () => (await import("./watch.js")).statsCommand),
    lazy("hardware", "List the hardware flavors and their prices", async () => (await import("./jobs.js")).hardwareCommand),
    lazy("labels", "Show or change the labels of a job", async () => (await import("./jobs.js")).labelsCommand),
    lazy("scheduled", "Jobs that the service runs on a cron schedule", async () => (await import("./scheduled.js")).scheduledGroup),
    lazy("sweep", "Run one job per combination of parameters and flavors, and report them together", async () => (await import("./sweep.js")).sweepCommand),
    // The emulator prints its own token on purpose: stdout must not mask it.
    lazy("emulator", "Start a local Jobs emulator (jobs run as local processes) until Ctrl-C", async () => ({
      ...(await import("./emulator.js")).emulatorCommand,
      printsToken: true,
    })),
  ],
};
