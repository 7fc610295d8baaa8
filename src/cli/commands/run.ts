/**
 * `hf-jobs run [OPTIONS] IMAGE [COMMAND...]` and `hf-jobs uv run [OPTIONS] SCRIPT [ARGS...]`.
 * @module
 */
import type { RunSpec } from "../../types.js";
import { buildUvRunSpec, type UvSpec } from "../../uv/run-uv.js";
import { flag, list, type ParsedArgs, str } from "../args.js";
import type { CommandSpec } from "../command.js";
import type { Context } from "../context.js";
import { UsageError } from "../exit.js";
import { JOB_OPTIONS, JOB_OPTIONS_HELP, jobOptionFields, RUN_ONLY_OPTIONS, UV_OPTIONS } from "../job-options.js";
import { checkFlavors } from "../checks.js";
import { launch } from "./follow.js";

const OUTCOME_HELP = `Without -d the logs are streamed and the exit code is the job's outcome: 0 COMPLETED,
1 ERROR, 3 CANCELED, 4 stopped by its timeout, 5 DELETED (see docs/cli.md). Ctrl-C asks whether to
cancel the job or detach; without a terminal it detaches, prints the job id and exits 130.
-q prints the job id instead of the logs; --json prints each log line as a JSON object, then the
final job.

Options of hf-jobs are read anywhere before "--", after the image too (as hf jobs does); other
words after the image are the job's command, in order, unknown options included (python -c ...).
Everything after "--" goes to the job verbatim: hf-jobs run IMAGE -- CMD --flavor x.`;

const RUN_FLAGS_HELP = `Run options:
  -d, --detach                Start the job, print its id and return at once
      --ssh                   Enable SSH access to the job`;

/** Converts the job options and registers the secrets for redaction. */
async function commonFields(ctx: Context, parsed: ParsedArgs) {
  const fields = await jobOptionFields(parsed.values, ctx.envContext);
  ctx.addSecrets(Object.values(fields.secrets));
  return fields;
}

/** Builds the spec of `run` from its parsed arguments. */
export async function runSpecFrom(ctx: Context, parsed: ParsedArgs): Promise<RunSpec> {
  const image = parsed.positionals[0];
  if (!image) throw new UsageError("missing IMAGE");
  const fields = await commonFields(ctx, parsed);
  const spec: RunSpec = { image, command: parsed.rest, ...fields };
  if (flag(parsed.values, "ssh")) spec.ssh = true;
  return spec;
}

/** Builds the spec of `uv run` from its parsed arguments. */
export async function uvSpecFrom(ctx: Context, parsed: ParsedArgs): Promise<UvSpec> {
  const script = parsed.positionals[0];
  if (!script) throw new UsageError("missing SCRIPT");
  const fields = await commonFields(ctx, parsed);
  const spec: UvSpec = { script, args: parsed.rest, ...fields };
  const deps = list(parsed.values, "with");
  if (deps.length > 0) spec.dependencies = deps;
  const python = str(parsed.values, "python");
  if (python !== undefined) spec.python = python;
  const image = str(parsed.values, "image");
  if (image !== undefined) spec.image = image;
  if (flag(parsed.values, "ssh")) spec.ssh = true;
  return spec;
}

/**
 * Builds the plain spec of `uv run` / `scheduled uv run`: reads the script and its PEP 723
 * `[tool.hf-jobs]` table (secrets it names are read from the local environment), and registers
 * every secret value of the result for masking, those of the table included.
 */
export async function uvRunSpecFrom(ctx: Context, parsed: ParsedArgs): Promise<RunSpec> {
  const spec = await buildUvRunSpec(await uvSpecFrom(ctx, parsed), { cwd: ctx.io.cwd, env: ctx.io.env });
  ctx.addSecrets(Object.values(spec.secrets ?? {}));
  return spec;
}

/** `hf-jobs run`: runs a command in an image, in the foreground or detached. */
export const runCommand: CommandSpec = {
  kind: "command",
  name: "run",
  summary: "Run a command in a Docker image (or a Space) on Hugging Face hardware",
  usage: "hf-jobs run [OPTIONS] IMAGE [COMMAND [ARG...]]",
  description: OUTCOME_HELP,
  optionsHelp: `${RUN_FLAGS_HELP}\n\n${JOB_OPTIONS_HELP}`,
  examples: [
    `hf-jobs run python:3.12 python -c "print('hello')"`,
    "hf-jobs run -d --flavor a10g-small -s HF_TOKEN pytorch/pytorch:latest python train.py --epochs 3",
  ],
  options: { ...JOB_OPTIONS, ...RUN_ONLY_OPTIONS },
  lead: 1,
  async run(ctx, parsed) {
    const spec = await runSpecFrom(ctx, parsed);
    await checkFlavors(ctx, [spec.flavor]);
    return launch(ctx, () => ctx.client.run(spec), flag(parsed.values, "detach"));
  },
};

/** `hf-jobs uv run`: runs a Python script with uv, in the foreground or detached. */
export const uvRunCommand: CommandSpec = {
  kind: "command",
  name: "run",
  summary: "Run a Python script with uv (a local file, a URL or a command in the image)",
  usage: "hf-jobs uv run [OPTIONS] SCRIPT [ARG...]",
  description: `${OUTCOME_HELP.replace(/the image/g, "the script")}

A local script (and its PEP 723 metadata) is shipped with the job; a URL is fetched by uv.`,
  optionsHelp: `uv options:
      --with DEP              Extra dependency (uv run --with); repeatable
  -p, --python VERSION        Python version (uv run --python)
      --image IMAGE           Image (default ghcr.io/astral-sh/uv:python3.12-bookworm)

${RUN_FLAGS_HELP}

${JOB_OPTIONS_HELP}`,
  examples: ["hf-jobs uv run --with trl --flavor a10g-small -s HF_TOKEN train.py --epochs 3", "hf-jobs uv run -d https://example.com/script.py"],
  options: { ...JOB_OPTIONS, ...RUN_ONLY_OPTIONS, ...UV_OPTIONS },
  lead: 1,
  async run(ctx, parsed) {
    const spec = await uvRunSpecFrom(ctx, parsed);
    await checkFlavors(ctx, [spec.flavor]);
    return launch(ctx, () => ctx.client.run(spec), flag(parsed.values, "detach"));
  },
};
