/**
 * The command tree of `hf-jobs`.
 * @module
 */
import type { GroupSpec } from "../command.js";
import { emulatorCommand } from "./emulator.js";
import { cancelCommand, hardwareCommand, inspectCommand, labelsCommand, psCommand } from "./jobs.js";
import { runCommand, uvRunCommand } from "./run.js";
import { scheduledGroup } from "./scheduled.js";
import { sweepCommand } from "./sweep.js";
import { logsCommand, statsCommand, waitCommand } from "./watch.js";

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

