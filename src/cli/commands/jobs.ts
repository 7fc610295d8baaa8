/**
 * Commands on existing jobs: `ps`, `inspect`, `cancel`, `labels`, and `hardware`.
 * @module
 */
import type { Job, ListOptions } from "../../types.js";
import { csv, flag, int, list, type OptionValues, str } from "../args.js";
import type { CommandSpec } from "../command.js";
import { EXIT, UsageError } from "../exit.js";
import { checkStages } from "../checks.js";
import { parseLabels } from "../job-options.js";
import { hardwareColumns, jobColumns, jobJson } from "../views.js";
import type { Context } from "../context.js";

/** Jobs ids given on the command line (at least one). */
export function refs(positionals: string[], what = "JOB_ID"): string[] {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`);
  return positionals;
}

/** `hf-jobs ps` (alias `ls`): lists jobs. */
export const psCommand: CommandSpec = {
  kind: "command",
  name: "ps",
  aliases: ["ls", "list"],
  summary: "List jobs (running and scheduling ones unless -a or --status)",
  usage: "hf-jobs ps [OPTIONS]",
  optionsHelp: `Options:
  -a, --all                   All jobs, whatever their stage
      --status STAGE[,STAGE]  Only these stages (RUNNING, SCHEDULING, COMPLETED, ERROR, CANCELED, DELETED)
  -l, --label KEY=VALUE|KEY   Only jobs with this label; repeatable (all must match)
      --name NAME             Only jobs with this name (the name label)
      --limit N               At most N jobs, newest first (default 100; 0 = no limit)`,
  examples: ["hf-jobs ps -a --limit 10", "hf-jobs ps --status ERROR -l team=ml -q | xargs -r -n1 hf-jobs logs"],
  options: {
    all: { type: "boolean", short: "a" },
    status: { type: "string", multiple: true },
    label: { type: "string", short: "l", multiple: true },
    name: { type: "string" },
    limit: { type: "string" },
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const stages = checkStages(ctx, csv(values, "status"));
    const options: ListOptions = { signal: ctx.signal };
    if (stages.length > 0) options.stage = stages;
    else if (!flag(values, "all")) options.stage = ["RUNNING", "SCHEDULING"];
    const labels = parseLabels(list(values, "label"));
    const name = str(values, "name");
    if (name !== undefined) {
      if (Object.hasOwn(labels, "name")) throw new UsageError("give --name or -l name=..., not both");
      labels.name = name;
    }
    if (Object.keys(labels).length > 0) options.labels = labels;
    const limit = int(values, "limit") ?? 100;
    const jobs = await ctx.client.list(options).toArray(limit === 0 ? {} : { limit });
    ctx.out.rows(jobs, jobColumns(ctx.mode), { id: (j) => j.id, json: jobJson });
    if (jobs.length === 0 && (ctx.mode === "table" || ctx.mode === "plain")) {
      const filters = [...stages.map((st) => `status=${st}`), ...Object.entries(labels).map(([k, v]) => `label ${k}=${v}`)];
      ctx.info(filters.length > 0 ? `No jobs matched: ${filters.join(", ")}` : "No running jobs. Use -a to include finished ones.");
    }
    return EXIT.OK;
  },
};

/** `hf-jobs inspect`: prints jobs as JSON. */
export const inspectCommand: CommandSpec = {
  kind: "command",
  name: "inspect",
  summary: "Show jobs in full, as JSON",
  usage: "hf-jobs inspect [OPTIONS] JOB_ID [JOB_ID...]",
  description:
    "Prints each job as indented JSON; with --json, one compact object per line. A job id may be namespace/id. The image is one string and the extra arguments are `args`, as in hf-jobs scheduled inspect.",
  examples: ["hf-jobs inspect 687fb701029421ae5549d998", "hf-jobs inspect --json $ID | jq -r .status.stage"],
  options: {},
  async run(ctx, { positionals }) {
    for (const ref of refs(positionals)) {
      const job = await ctx.client.inspect(ref, { signal: ctx.signal });
      if (ctx.mode === "quiet") ctx.out.line(job.id);
      else if (ctx.mode === "json") ctx.out.json(jobJson(job));
      else ctx.out.line(JSON.stringify(jobJson(job), null, 2));
    }
    return EXIT.OK;
  },
};

/** `hf-jobs cancel`: cancels jobs. */
export const cancelCommand: CommandSpec = {
  kind: "command",
  name: "cancel",
  summary: "Cancel jobs",
  usage: "hf-jobs cancel [OPTIONS] JOB_ID [JOB_ID...]",
  description: "Asks the service to stop each job and prints its id (use hf-jobs wait to see the final stage).",
  examples: ["hf-jobs cancel 687fb701029421ae5549d998", "hf-jobs ps -q -l sweep=lr | xargs -r hf-jobs cancel"],
  options: {},
  async run(ctx, { positionals }) {
    const ids = refs(positionals);
    const done: Job[] = [];
    for (const ref of ids) done.push(await ctx.client.cancel(ref, { signal: ctx.signal }));
    for (const job of done) {
      if (ctx.mode === "json") ctx.out.json(jobJson(job));
      else ctx.out.line(job.id);
    }
    return EXIT.OK;
  },
};

/** The options of `labels` and `scheduled labels`. */
export const LABEL_OPTIONS = {
  label: { type: "string", short: "l", multiple: true },
  name: { type: "string" },
  merge: { type: "boolean" },
  remove: { type: "string", multiple: true },
  clear: { type: "boolean" },
} as const;

/** Help of {@link LABEL_OPTIONS}. */
export const LABELS_HELP = `Options:
  -l, --label KEY=VALUE|KEY   Set a label; repeatable. Replaces ALL labels (as hf jobs does),
                              unless --merge
      --name NAME             Set the name label (alone, it keeps the other labels)
      --merge                 Add -l labels to the current ones instead of replacing them
      --remove KEY            Remove a label, keeping the others; repeatable
      --clear                 Remove every label`;

/**
 * The labels after a `labels` command: `-l` replaces them all (the `hf jobs` rule), unless
 * `--merge`; `--name` alone, `--remove` and `--merge` start from the current ones; `--clear`
 * from none. Undefined when nothing changes.
 */
export function newLabels(values: OptionValues, current: Record<string, string>): Record<string, string> | undefined {
  const set = parseLabels(list(values, "label"));
  const name = str(values, "name");
  if (name !== undefined) set.name = name;
  const remove = list(values, "remove");
  const clear = flag(values, "clear");
  const merge = flag(values, "merge");
  const replacing = list(values, "label").length > 0 && !merge;
  if (clear && (merge || remove.length > 0)) throw new UsageError("--clear removes every label: it cannot go with --merge or --remove");
  if (replacing && remove.length > 0) throw new UsageError("-l replaces every label: add --merge to keep the others and --remove some");
  if (Object.keys(set).length === 0 && remove.length === 0 && !clear) {
    if (merge) throw new UsageError("--merge needs -l KEY=VALUE");
    return undefined;
  }
  const labels: Record<string, string> = clear || replacing ? {} : { ...current };
  for (const key of remove) delete labels[key];
  return Object.assign(labels, set);
}

/** Prints labels after `labels` / `scheduled labels`. */
export function printLabels(ctx: Context, id: string, labels: Record<string, string>): void {
  if (ctx.mode === "json") ctx.out.json({ id, labels });
  else if (ctx.mode === "quiet") ctx.out.line(id);
  else for (const [key, value] of Object.entries(labels)) ctx.out.line(`${key}=${value}`);
}

/** `hf-jobs labels`: shows or changes the labels of a job. */
export const labelsCommand: CommandSpec = {
  kind: "command",
  name: "labels",
  summary: "Show or change the labels of a job",
  usage: "hf-jobs labels [OPTIONS] JOB_ID",
  description: "Without options, prints the job's labels (KEY=VALUE lines). Otherwise sets them and prints the result.",
  optionsHelp: LABELS_HELP,
  examples: ["hf-jobs labels $ID -l team=ml -l stage=eval   # the job now has exactly these two", "hf-jobs labels $ID --merge -l stage=eval --remove draft"],
  options: LABEL_OPTIONS,
  async run(ctx, { values, positionals }) {
    const [ref, extra] = refs(positionals);
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" (one job at a time)`);
    let job = await ctx.client.inspect(ref as string, { signal: ctx.signal });
    const labels = newLabels(values, job.labels);
    if (labels) job = await ctx.client.setLabels(ref as string, labels, { signal: ctx.signal });
    printLabels(ctx, job.id, job.labels);
    return EXIT.OK;
  },
};

/** `hf-jobs hardware`: lists the flavors and their prices. */
export const hardwareCommand: CommandSpec = {
  kind: "command",
  name: "hardware",
  summary: "List the hardware flavors and their prices",
  usage: "hf-jobs hardware [OPTIONS]",
  examples: ["hf-jobs hardware", "hf-jobs hardware --json | jq -r 'select(.accelerator) | .name'"],
  options: {},
  async run(ctx, { positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const flavors = await ctx.client.hardware({ signal: ctx.signal });
    ctx.out.rows(flavors, hardwareColumns(), { id: (h) => h.name, json: (h) => h });
    return EXIT.OK;
  },
};
