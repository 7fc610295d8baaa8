/**
 * `hf-jobs sweep`: one job per combination of `--param` values (and `--flavor` values), through
 * `fanOut`. A parameter reaches the job as an environment variable of its name and wherever
 * `{name}` appears in the command or in `-e` values.
 * @module
 */
import { fanOut } from "../../fan-out.js";
import { grid } from "../../fan-out-params.js";
import type { FanOutEvent, FanOutItemResult, FanOutResult } from "../../fan-out-types.js";
import { formatSummary } from "../../fan-out-format.js";
import type { RunSpec } from "../../types.js";
import { csv, flag, int, list, type ParsedArgs, str } from "../args.js";
import type { CommandSpec } from "../command.js";
import type { Context } from "../context.js";
import { EXIT, exitCodeForError, exitCodeForStage, UsageError } from "../exit.js";
import { JOB_OPTIONS, JOB_OPTIONS_HELP } from "../job-options.js";
import { runSpecFrom } from "./run.js";

type Params = Record<string, string>;

const PARAM_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--param lr=1e-4,3e-4` (repeatable) into named value lists, in order. */
export function parseParams(items: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    const name = eq === -1 ? "" : item.slice(0, eq);
    if (!PARAM_NAME_RE.test(name)) throw new UsageError(`--param expects NAME=V1,V2,... with NAME a variable name, got "${item}"`);
    if (name === "flavor") throw new UsageError("use --flavor A,B for a flavor axis");
    const values = item
      .slice(eq + 1)
      .split(",")
      .map((v) => v.trim());
    if (values.some((v) => v === "")) throw new UsageError(`--param ${name}: empty value in "${item}"`);
    out[name] = [...(out[name] ?? []), ...values];
  }
  return out;
}

/** Replaces `{name}` with the value of parameter `name`; other braces are left alone. */
export function substitute(text: string, params: Params): string {
  return text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? (params[name] as string) : whole));
}

/** The spec of one item: placeholders substituted, parameters added to the env. */
export function itemSpec(base: RunSpec, params: Params): RunSpec {
  const { flavor, ...vars } = params;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base.env ?? {})) env[key] = substitute(value, params);
  Object.assign(env, vars);
  const spec: RunSpec = { ...base, command: (base.command ?? []).map((a) => substitute(a, params)), env };
  if (flavor !== undefined) spec.flavor = flavor;
  if (base.name !== undefined) spec.name = substitute(base.name, params);
  return spec;
}

/**
 * Exit code of a sweep: 0 when every item is ok, else that of the first item that is not: its
 * job's final stage; 8 or 9 when it could not be launched (API or network); 1 when it was never
 * started (--fail-fast, --max-cost). 130 after Ctrl-C.
 */
function sweepExitCode(result: FanOutResult<Params>): number {
  if (result.summary.stoppedBy === "aborted") return EXIT.INTERRUPTED;
  for (const r of result.results) {
    if (r.ok) continue;
    if (r.stage) return exitCodeForStage(r.stage, r.job?.status.message);
    if (r.outcome === "canceled") return EXIT.JOB_CANCELED;
    if (r.outcome === "failed" && r.error && !r.job) {
      const code = exitCodeForError(r.error);
      if (code === EXIT.API || code === EXIT.NETWORK) return code;
    }
    return EXIT.JOB_ERROR;
  }
  return EXIT.OK;
}

function resultJson(r: FanOutItemResult<Params>): Record<string, unknown> {
  return {
    index: r.index,
    params: r.params,
    outcome: r.outcome,
    ok: r.ok,
    jobId: r.job?.id ?? null,
    jobIds: r.jobIds,
    stage: r.stage ?? null,
    attempts: r.attempts,
    runningSecs: r.runningSecs,
    costUsd: r.costUsd ?? null,
    error: r.error?.message ?? null,
  };
}

function paramsText(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

async function runSweep(ctx: Context, parsed: ParsedArgs): Promise<number> {
  const axes: Record<string, string[]> = parseParams(list(parsed.values, "param"));
  const flavors = csv(parsed.values, "flavor");
  if (flavors.length > 0) axes.flavor = flavors;
  if (Object.keys(axes).length === 0) throw new UsageError("nothing to sweep over: give --param NAME=V1,V2 and/or --flavor A,B");
  // --flavor is an axis here, not a single value: keep it out of the base spec.
  const base = await runSpecFrom(ctx, { ...parsed, values: { ...parsed.values, flavor: undefined } });
  const params = grid(axes) as Params[];
  const maxCost = str(parsed.values, "max-cost");
  const maxCostUsd = maxCost === undefined ? undefined : Number(maxCost);
  if (maxCostUsd !== undefined && !Number.isFinite(maxCostUsd)) throw new UsageError(`--max-cost expects a number of US dollars, got "${maxCost}"`);
  const progress = ctx.progress();
  let done = 0;
  let failed = 0;
  let running = 0;
  const show = () => progress.update(`Sweep: ${done}/${params.length} done, ${running} running${failed ? `, ${failed} failed` : ""}`);
  const onProgress = (event: FanOutEvent<Params>) => {
    if (event.type === "launched") running += 1;
    if (event.type === "retried") running = Math.max(0, running - 1); // its next launch counts again
    if (event.type === "finished") {
      done += 1;
      if (event.result.job) running = Math.max(0, running - 1);
      if (!event.result.ok) failed += 1;
      progress.log(`#${event.index} ${paramsText(event.params)}: ${event.result.outcome}${event.result.job ? ` (${event.result.job.id})` : ""}`);
    }
    if (event.type === "skipped") done += 1;
    show();
  };
  let result: FanOutResult<Params>;
  show();
  try {
    result = await fanOut<Params>(ctx.client, {
      params,
      job: (p) => itemSpec(base, p),
      concurrency: int(parsed.values, "concurrency"),
      retries: int(parsed.values, "retries"),
      failFast: flag(parsed.values, "fail-fast"),
      sweepId: str(parsed.values, "sweep-id"),
      resume: flag(parsed.values, "resume"),
      dryRun: flag(parsed.values, "dry-run"),
      maxCostUsd,
      signal: ctx.signal,
      onProgress,
    });
  } finally {
    progress.stop();
  }
  if (ctx.mode === "json") {
    if (result.dryRun) for (const item of result.plan.items) ctx.out.json({ index: item.index, params: item.params, spec: item.spec });
    else for (const r of result.results) ctx.out.json(resultJson(r));
  } else if (ctx.mode === "quiet") {
    for (const r of result.results) if (r.job) ctx.out.line(r.job.id);
  } else if (ctx.mode === "table") {
    ctx.out.line(formatSummary(result));
  } else if (result.dryRun) {
    ctx.out.line(["INDEX", "PARAMS", "FLAVOR"].join("\t"));
    for (const item of result.plan.items) ctx.out.line([item.index, paramsText(item.params), item.spec.flavor ?? "cpu-basic"].join("\t"));
  } else {
    ctx.out.line(["INDEX", "PARAMS", "OUTCOME", "STAGE", "JOB ID", "ATTEMPTS", "RUNNING SECS", "COST USD", "ERROR"].join("\t"));
    for (const r of result.results) {
      const row = [r.index, paramsText(r.params), r.outcome, r.stage ?? "", r.job?.id ?? "", r.attempts, r.runningSecs, r.costUsd ?? "", r.error?.message ?? ""];
      ctx.out.line(row.map((c) => String(c).replace(/[\t\r\n]+/g, " ")).join("\t"));
    }
  }
  if (!result.dryRun && ctx.mode !== "json" && ctx.mode !== "table") ctx.info(`Sweep ${result.sweepId}: ${result.summary.completed}/${result.summary.total} completed`);
  return result.dryRun ? EXIT.OK : sweepExitCode(result);
}

export const sweepCommand: CommandSpec = {
  kind: "command",
  name: "sweep",
  summary: "Run one job per combination of parameters and flavors, and report them together",
  usage: "hf-jobs sweep [OPTIONS] --param NAME=V1,V2 [--flavor A,B] IMAGE [COMMAND [ARG...]]",
  description: `Runs the cartesian product of every --param and --flavor list. Each parameter reaches the
job as an environment variable of its name, and replaces {NAME} in the command, in -e values and
in --name. Each job also gets JOB_INDEX and JOB_COUNT, and the labels hf-jobs-sweep (the sweep id)
and hf-jobs-index. Exits 0 when every job COMPLETED, else with the code of the first that did not
(see docs/cli.md); Ctrl-C cancels the jobs in flight and exits 130.`,
  optionsHelp: `Sweep options:
      --param NAME=V1,V2,...  A parameter axis; repeatable
      --flavor A,B,...        Hardware flavors (an axis of its own)
      --concurrency N         Jobs in flight at once (default 4)
      --retries N             Run an item again when its job ends in ERROR (default 0)
      --fail-fast             Stop at the first failure, cancelling the jobs in flight
      --max-cost USD          Refuse to start if the worst case is over it; stop launching once reached
      --dry-run               Print the planned jobs and the worst-case cost; launch nothing
      --sweep-id ID           Sweep id (default generated); with --resume, skip items already completed
      --resume                Continue the sweep --sweep-id: skip completed items

${JOB_OPTIONS_HELP.replace(/\n\s+--flavor[^\n]*/, "")}`,
  examples: [
    `hf-jobs sweep --param lr=1e-4,3e-4 --flavor a10g-small,l4x1 python:3.12 python train.py --lr {lr}`,
    "hf-jobs sweep --dry-run --max-cost 5 --param shard=0,1,2,3 python:3.12 python shard.py",
  ],
  options: {
    ...JOB_OPTIONS,
    param: { type: "string", multiple: true },
    flavor: { type: "string", multiple: true },
    concurrency: { type: "string" },
    retries: { type: "string" },
    "fail-fast": { type: "boolean" },
    "max-cost": { type: "string" },
    "dry-run": { type: "boolean" },
    "sweep-id": { type: "string" },
    resume: { type: "boolean" },
  },
  lead: 1,
  run: runSweep,
};
