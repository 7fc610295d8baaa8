/**
 * Commands on existing jobs: `ps`, `inspect`, `cancel`, `labels`, and `hardware`.
 * @module
 */
import type { Job, ListOptions } from "../../types.js";
import { csv, flag, int, list } from "../args.js";
import type { CommandSpec } from "../command.js";
import { EXIT, UsageError } from "../exit.js";
import { parseLabels } from "../job-options.js";
import { hardwareColumns, jobColumns } from "../views.js";

/** Jobs ids given on the command line (at least one). */
export function refs(positionals: string[], what = "JOB_ID"): string[] {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`);
  return positionals;
}

/** `hf-jobs ps` (alias `ls`): lists jobs. */
export const psCommand: CommandSpec = {
  kind: "command",
  name: "ps",
  aliases: ["ls"],
  summary: "List jobs (running and scheduling ones unless -a or --status)",
  usage: "hf-jobs ps [OPTIONS]",
  optionsHelp: `Options:
  -a, --all                   All jobs, whatever their stage
      --status STAGE[,STAGE]  Only these stages (RUNNING, SCHEDULING, COMPLETED, ERROR, CANCELED, DELETED)
  -l, --label KEY=VALUE|KEY   Only jobs with this label; repeatable (all must match)
      --limit N               At most N jobs, newest first (default 100; 0 = no limit)`,
  examples: ["hf-jobs ps -a --limit 10", "hf-jobs ps --status ERROR -l team=ml -q | xargs -n1 hf-jobs logs"],
  options: {
    all: { type: "boolean", short: "a" },
    status: { type: "string", multiple: true },
    label: { type: "string", short: "l", multiple: true },
    limit: { type: "string" },
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const stages = csv(values, "status").map((s) => s.toUpperCase());
    const options: ListOptions = { signal: ctx.signal };
    if (stages.length > 0) options.stage = stages;
    else if (!flag(values, "all")) options.stage = ["RUNNING", "SCHEDULING"];
    const labels = parseLabels(list(values, "label"));
    if (Object.keys(labels).length > 0) options.labels = labels;
    const limit = int(values, "limit") ?? 100;
    const jobs = await ctx.client.list(options).toArray(limit === 0 ? {} : { limit });
    ctx.out.rows(jobs, jobColumns(ctx.mode), { id: (j) => j.id, json: (j) => j });
    return EXIT.OK;
  },
};

/** `hf-jobs inspect`: prints jobs as JSON. */
export const inspectCommand: CommandSpec = {
  kind: "command",
  name: "inspect",
  summary: "Show jobs in full, as JSON",
  usage: "hf-jobs inspect [OPTIONS] JOB_ID [JOB_ID...]",
  description: "Prints each job as indented JSON; with --json, one compact object per line. A job id may be namespace/id.",
  examples: ["hf-jobs inspect 687fb701029421ae5549d998", "hf-jobs inspect --json $ID | jq -r .status.stage"],
  options: {},
  async run(ctx, { positionals }) {
    for (const ref of refs(positionals)) {
      const job = await ctx.client.inspect(ref, { signal: ctx.signal });
      if (ctx.mode === "quiet") ctx.out.line(job.id);
      else if (ctx.mode === "json") ctx.out.json(job);
      else ctx.out.line(JSON.stringify(job, null, 2));
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
  examples: ["hf-jobs cancel 687fb701029421ae5549d998", "hf-jobs ps -q -l sweep=lr | xargs hf-jobs cancel"],
  options: {},
  async run(ctx, { positionals }) {
    const ids = refs(positionals);
    const done: Job[] = [];
    for (const ref of ids) done.push(await ctx.client.cancel(ref, { signal: ctx.signal }));
    for (const job of done) {
      if (ctx.mode === "json") ctx.out.json(job);
      else ctx.out.line(job.id);
    }
    return EXIT.OK;
  },
};

/** `hf-jobs labels`: shows or changes the labels of a job. */
export const labelsCommand: CommandSpec = {
  kind: "command",
  name: "labels",
  summary: "Show or change the labels of a job",
  usage: "hf-jobs labels [OPTIONS] JOB_ID",
  description:
    "Without options, prints the job's labels (KEY=VALUE lines). -l and --name add or change labels, --remove drops one, --clear starts from none; the result replaces the job's labels.",
  optionsHelp: `Options:
  -l, --label KEY=VALUE|KEY   Set a label; repeatable
      --name NAME             Set the name label
      --remove KEY            Remove a label; repeatable
      --clear                 Remove every label not given with -l/--name`,
  examples: ["hf-jobs labels $ID -l stage=eval --remove draft", "hf-jobs labels $ID --clear -l team=ml"],
  options: {
    label: { type: "string", short: "l", multiple: true },
    name: { type: "string" },
    remove: { type: "string", multiple: true },
    clear: { type: "boolean" },
  },
  async run(ctx, { values, positionals }) {
    const [ref, extra] = refs(positionals);
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" (one job at a time)`);
    const set = parseLabels(list(values, "label"));
    const name = values.name;
    if (typeof name === "string") set.name = name;
    const remove = list(values, "remove");
    const changing = Object.keys(set).length > 0 || remove.length > 0 || flag(values, "clear");
    let job = await ctx.client.inspect(ref as string, { signal: ctx.signal });
    if (changing) {
      const labels: Record<string, string> = flag(values, "clear") ? {} : { ...job.labels };
      for (const key of remove) delete labels[key];
      Object.assign(labels, set);
      job = await ctx.client.setLabels(ref as string, labels, { signal: ctx.signal });
    }
    if (ctx.mode === "json") ctx.out.json({ id: job.id, labels: job.labels });
    else if (ctx.mode === "quiet") ctx.out.line(job.id);
    else for (const [key, value] of Object.entries(job.labels)) ctx.out.line(`${key}=${value}`);
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
