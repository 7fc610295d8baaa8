/**
 * `hf-jobs scheduled ...`: jobs the service runs on a cron schedule.
 * @module
 */
import type { ScheduledJob } from "../../scheduled/types.js";
import type { RunSpec } from "../../types.js";
import { flag, type ParsedArgs } from "../args.js";
import type { CommandSpec, GroupSpec } from "../command.js";
import type { Context } from "../context.js";
import { EXIT, UsageError } from "../exit.js";
import { JOB_OPTIONS, JOB_OPTIONS_HELP, UV_OPTIONS } from "../job-options.js";
import { type Column, type OutputMode, when } from "../output.js";
import { commandText, jobJson } from "../views.js";
import { checkFlavors } from "../checks.js";
import { LABEL_OPTIONS, LABELS_HELP, newLabels, printLabels, refs } from "./jobs.js";
import { runSpecFrom, uvRunSpecFrom } from "./run.js";

const SCHEDULE_OPTIONS = {
  suspend: { type: "boolean" },
  "no-suspend": { type: "boolean" },
  concurrency: { type: "boolean" },
  "no-concurrency": { type: "boolean" },
} as const;

const SCHEDULE_HELP = `Schedule options:
      --suspend               Create it paused (no runs until hf-jobs scheduled resume)
      --no-suspend            Create it active (the default)
      --concurrency           Let a run start while the previous one is still going
      --no-concurrency        One run at a time (the default)

SCHEDULE is @hourly, @daily, @weekly, @monthly, @yearly, @annually, or 5 cron fields
(minute hour day-of-month month day-of-week), quoted as one argument: "0 9 * * 1".`;

function scheduledColumns(mode: OutputMode): Column<ScheduledJob>[] {
  return [
    { header: "ID", get: (s) => s.id, keep: true },
    { header: "NAME", get: (s) => s.name ?? "", max: 28 },
    { header: "SCHEDULE", get: (s) => s.schedule ?? "" },
    { header: "IMAGE", get: (s) => s.job?.image ?? "", max: 30 },
    { header: "COMMAND", get: (s) => (s.job ? commandText([...s.job.command, ...s.job.args]) : ""), max: 36 },
    { header: "LAST RUN", get: (s) => when(s.lastRun?.at, mode) },
    { header: "NEXT RUN", get: (s) => (s.nextRunAt ? (mode === "table" ? s.nextRunAt.toISOString().replace("T", " ").slice(0, 19) : s.nextRunAt.toISOString()) : "") },
    { header: "SUSPENDED", get: (s) => (s.suspended ? "yes" : "no") },
  ];
}

async function create(ctx: Context, parsed: ParsedArgs, job: RunSpec): Promise<number> {
  const schedule = parsed.positionals[0] as string;
  const { ssh: _ssh, ...spec } = job;
  await checkFlavors(ctx, [spec.flavor]);
  const created = await ctx.client.scheduled.create(
    { schedule, job: spec, suspend: pair(parsed, "suspend"), concurrency: pair(parsed, "concurrency") },
    { signal: ctx.signal },
  );
  if (ctx.mode === "json") ctx.out.json(created);
  else ctx.out.line(created.id);
  return EXIT.OK;
}

/** `--X` / `--no-X`: the last one given wins (false when neither is). */
function pair(parsed: ParsedArgs, name: "suspend" | "concurrency"): boolean {
  let value = false;
  for (const token of parsed.given) {
    if (token === name) value = true;
    else if (token === `no-${name}`) value = false;
  }
  return value;
}

/** `scheduled run SCHEDULE IMAGE ...`: the positionals are shifted so that `runSpecFrom` sees the image first. */
function shifted(parsed: ParsedArgs, what: string): ParsedArgs {
  if (parsed.positionals.length < 2) throw new UsageError(`missing ${parsed.positionals.length === 0 ? "SCHEDULE" : what}`);
  return { ...parsed, positionals: parsed.positionals.slice(1) };
}

const scheduledRun: CommandSpec = {
  kind: "command",
  name: "run",
  summary: "Create a scheduled job that runs a command in an image",
  usage: "hf-jobs scheduled run [OPTIONS] SCHEDULE IMAGE [COMMAND [ARG...]]",
  description: "Prints the id of the scheduled job. As with run, options go before SCHEDULE and IMAGE; what follows IMAGE is the job's.",
  optionsHelp: `${SCHEDULE_HELP}\n\n${JOB_OPTIONS_HELP}`,
  examples: [`hf-jobs scheduled run "0 3 * * *" python:3.12 python -c "print('nightly')"`, "hf-jobs scheduled run --suspend @hourly alpine echo tick"],
  options: { ...JOB_OPTIONS, ...SCHEDULE_OPTIONS },
  lead: 2,
  async run(ctx, parsed) {
    return create(ctx, parsed, await runSpecFrom(ctx, shifted(parsed, "IMAGE")));
  },
};

const scheduledUvRun: CommandSpec = {
  kind: "command",
  name: "run",
  summary: "Create a scheduled job that runs a Python script with uv",
  usage: "hf-jobs scheduled uv run [OPTIONS] SCHEDULE SCRIPT [ARG...]",
  description: "A local script is shipped inside the scheduled job's spec; each run uses that copy.",
  optionsHelp: `uv options:
      --with DEP              Extra dependency; repeatable
  -p, --python VERSION        Python version
      --image IMAGE           Image (default the uv image)

${SCHEDULE_HELP}

${JOB_OPTIONS_HELP}`,
  examples: ["hf-jobs scheduled uv run @daily --with pandas report.py --since yesterday"],
  options: { ...JOB_OPTIONS, ...UV_OPTIONS, ...SCHEDULE_OPTIONS },
  lead: 2,
  async run(ctx, parsed) {
    return create(ctx, parsed, await uvRunSpecFrom(ctx, shifted(parsed, "SCRIPT")));
  },
};

const scheduledPs: CommandSpec = {
  kind: "command",
  name: "ps",
  aliases: ["ls", "list"],
  summary: "List scheduled jobs (suspended ones with -a)",
  usage: "hf-jobs scheduled ps [OPTIONS]",
  optionsHelp: `Options:
  -a, --all                   Include suspended scheduled jobs`,
  examples: ["hf-jobs scheduled ps -a"],
  options: { all: { type: "boolean", short: "a" } },
  async run(ctx, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const all = await ctx.client.scheduled.list({ signal: ctx.signal });
    const shown = flag(values, "all") ? all : all.filter((s) => !s.suspended);
    ctx.out.rows(shown, scheduledColumns(ctx.mode), { id: (s) => s.id, json: (s) => s });
    return EXIT.OK;
  },
};

const scheduledInspect: CommandSpec = {
  kind: "command",
  name: "inspect",
  summary: "Show scheduled jobs in full, as JSON",
  usage: "hf-jobs scheduled inspect [OPTIONS] ID [ID...]",
  examples: ["hf-jobs scheduled inspect $SID"],
  options: {},
  async run(ctx, { positionals }) {
    for (const ref of refs(positionals, "ID")) {
      const s = await ctx.client.scheduled.inspect(ref, { signal: ctx.signal });
      if (ctx.mode === "quiet") ctx.out.line(s.id);
      else if (ctx.mode === "json") ctx.out.json(s);
      else ctx.out.line(JSON.stringify(s, null, 2));
    }
    return EXIT.OK;
  },
};

/** `delete`, `suspend`, `resume`: one call per id, the ids printed. */
function action(name: "delete" | "suspend" | "resume", summary: string): CommandSpec {
  return {
    kind: "command",
    name,
    summary,
    usage: `hf-jobs scheduled ${name} [OPTIONS] ID [ID...]`,
    examples: [`hf-jobs scheduled ${name} $SID`],
    options: {},
    async run(ctx, { positionals }) {
      for (const ref of refs(positionals, "ID")) {
        await ctx.client.scheduled[name](ref, { signal: ctx.signal });
        if (ctx.mode === "json") ctx.out.json({ id: ref.split("/").pop(), action: name });
        else ctx.out.line(ref.split("/").pop() ?? ref);
      }
      return EXIT.OK;
    },
  };
}

const scheduledLabels: CommandSpec = {
  kind: "command",
  name: "labels",
  summary: "Show or change the labels of a scheduled job's runs",
  usage: "hf-jobs scheduled labels [OPTIONS] ID",
  description: "Without options, prints the labels (KEY=VALUE lines). Otherwise sets them, as hf-jobs labels does, and prints the result.",
  optionsHelp: LABELS_HELP,
  examples: ["hf-jobs scheduled labels $SID -l team=ml", "hf-jobs scheduled labels $SID --name nightly"],
  options: LABEL_OPTIONS,
  async run(ctx, { values, positionals }) {
    const [ref, extra] = refs(positionals, "ID");
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" (one scheduled job at a time)`);
    let s = await ctx.client.scheduled.inspect(ref as string, { signal: ctx.signal });
    const labels = newLabels(values, s.job?.labels ?? {});
    if (labels) s = await ctx.client.scheduled.setLabels(ref as string, labels, { signal: ctx.signal });
    printLabels(ctx, s.id, s.job?.labels ?? {});
    return EXIT.OK;
  },
};

const scheduledTrigger: CommandSpec = {
  kind: "command",
  name: "trigger",
  summary: "Start a run of a scheduled job now; prints the new job's id",
  usage: "hf-jobs scheduled trigger [OPTIONS] ID",
  description: "Fails (exit 8) when a run is still going and the scheduled job's concurrency is off.",
  examples: ['hf-jobs scheduled trigger "$SID"', 'ID=$(hf-jobs scheduled trigger "$SID") && hf-jobs wait "$ID"'],
  options: {},
  async run(ctx, { positionals }) {
    const [ref, extra] = refs(positionals, "ID");
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" (one scheduled job at a time)`);
    const job = await ctx.client.scheduled.trigger(ref as string, { signal: ctx.signal });
    if (ctx.mode === "json") ctx.out.json(jobJson(job));
    else ctx.out.line(job.id);
    return EXIT.OK;
  },
};

/** `hf-jobs scheduled ...`: create, list and manage scheduled jobs. */
export const scheduledGroup: GroupSpec = {
  kind: "group",
  name: "scheduled",
  summary: "Jobs that the service runs on a cron schedule",
  usage: "hf-jobs scheduled COMMAND [OPTIONS] ...",
  examples: ['hf-jobs scheduled run "*/30 * * * *" python:3.12 python -c "print(1)"', "hf-jobs scheduled ps -a"],
  commands: [
    scheduledRun,
    {
      kind: "group",
      name: "uv",
      summary: "Scheduled uv scripts",
      usage: "hf-jobs scheduled uv run [OPTIONS] SCHEDULE SCRIPT [ARG...]",
      examples: ["hf-jobs scheduled uv run @daily report.py"],
      commands: [scheduledUvRun],
    },
    scheduledPs,
    scheduledInspect,
    action("delete", "Delete scheduled jobs (runs already started are not affected)"),
    action("suspend", "Pause scheduled jobs"),
    action("resume", "Resume suspended scheduled jobs"),
    scheduledTrigger,
    scheduledLabels,
  ],
};
