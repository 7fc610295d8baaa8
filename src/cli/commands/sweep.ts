/**
 * `hf-jobs sweep`: one job per combination of `--param` values (and `--flavor` values), through
 * `fanOut`. A parameter reaches the job as an environment variable of its name and wherever
 * `{name}` appears in the command or in `-e` values.
 * @module
 */
import { JobFailedError } from "../../core/errors.js";
import { lastJsonLine } from "../../fan-out/collect.js";
import { fanOut } from "../../fan-out/run.js";
import { SweepStoppedError } from "../../fan-out/errors.js";
import { formatSummary } from "../../fan-out/format.js";
import { grid } from "../../fan-out/params.js";
import type { FanOutEvent, FanOutItemResult, FanOutResult } from "../../fan-out/types.js";
import { isTerminal } from "../../jobs/parse.js";
import type { Job, RunSpec } from "../../types.js";
import { csv, flag, int, list, type ParsedArgs, str } from "../args.js";
import type { CommandSpec } from "../command.js";
import type { Context } from "../context.js";
import { EXIT, exitCodeForError, exitCodeForStage, UsageError } from "../exit.js";
import { JOB_OPTIONS, JOB_OPTIONS_HELP } from "../job-options.js";
import { usd } from "../output.js";
import { printableSpec } from "../views.js";
import { checkFlavors } from "../checks.js";
import { didYouMean } from "../suggest.js";
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
 * job's final stage; 8 or 9 when it could not be launched (API or network), or when the sweep
 * could no longer read its jobs' status (`poll-failed`: they are left running, outcome unknown);
 * 1 when it was never started (--fail-fast, --max-cost reached). 130 after Ctrl-C.
 */
export function sweepExitCode(result: FanOutResult<Params>): number {
  if (result.summary.stoppedBy === "aborted") return EXIT.INTERRUPTED;
  for (const r of result.results) {
    if (r.ok) continue;
    // Never launched (--max-cost reached, --fail-fast): the sweep did not do its work.
    if (r.outcome === "not-started") return EXIT.JOB_ERROR;
    const lostTrack = r.error instanceof SweepStoppedError && r.error.reason === "poll-failed";
    if (lostTrack || (r.job && !isTerminal(r.job))) return lostTrackCode(r.error);
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

/** 8 or 9, from the error that made the sweep lose track of its jobs (9 when it is not known). */
function lostTrackCode(error: Error | undefined): number {
  let cause: unknown = error instanceof SweepStoppedError ? error.cause : error;
  while (cause instanceof Error) {
    const code = exitCodeForError(cause);
    if (code === EXIT.API || code === EXIT.NETWORK) return code;
    cause = cause.cause;
  }
  return EXIT.NETWORK;
}

/** `--max-cost`: a non-negative number of US dollars (`5`, `0.5`, `.5`); anything else is a usage error. */
export function parseMaxCost(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(text)) throw new UsageError(`--max-cost expects a number of US dollars such as 5 or 0.50, got "${raw}"`);
  return Number(text);
}

/** The same result with every error message masked (the terminal summary shows them, cut to width). */
function maskedResult(result: FanOutResult<Params>, clean: (text: string) => string): FanOutResult<Params> {
  const results = result.results.map((r) => {
    if (!r.error) return r;
    const shown = r.error instanceof JobFailedError ? (r.error.statusMessage ?? r.error.message) : r.error.message;
    if (clean(shown) === shown && clean(r.error.message) === r.error.message) return r;
    return { ...r, error: new Error(clean(shown)) };
  });
  return { ...result, results };
}

function resultJson(r: FanOutItemResult<Params>, clean: (text: string) => string): Record<string, unknown> {
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
    value: r.value ?? null,
    error: r.error ? clean(r.error.message) : null,
  };
}

function paramsText(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

/** A dollar amount for plain text and JSON: a number, rounded to a millionth of a dollar. */
function plainUsd(n: number | undefined): number | undefined {
  return n === undefined ? undefined : Math.round(n * 1e6) / 1e6;
}

/** The total line of a dry run: the jobs it would launch and their worst-case cost. */
function dryRunTotal(result: FanOutResult<Params>): string {
  const e = result.plan.estimate;
  const n = e.items.length;
  const worst = e.worstCaseUsd === undefined ? "unknown" : usd(e.worstCaseUsd);
  const retries = e.worstCaseWithRetriesUsd !== e.worstCaseUsd && e.worstCaseWithRetriesUsd !== undefined ? ` (${usd(e.worstCaseWithRetriesUsd)} with every retry)` : "";
  const unknown = e.unknownFlavors.length > 0 ? `; no price for ${e.unknownFlavors.join(", ")}` : "";
  return `Dry run of sweep ${result.sweepId}: ${n} job${n === 1 ? "" : "s"}, worst case ${worst}${retries}${unknown} (every job running to its timeout)`;
}

/** Prints a sweep's plan (dry run) or results in the current output mode. */
function printSweep(ctx: Context, result: FanOutResult<Params>): void {
  const clean = (text: string) => ctx.redact(text);
  const estimates = new Map(result.plan.estimate.items.map((e) => [e.index, e]));
  if (result.dryRun) {
    const planned = result.plan.items.map((item) => {
      const e = estimates.get(item.index);
      return { item, flavor: e?.flavor ?? item.spec.flavor ?? "cpu-basic", timeoutSeconds: e?.timeoutSeconds, worstCaseUsd: plainUsd(e?.worstCaseUsd) };
    });
    if (ctx.mode === "json") {
      for (const { item, flavor, timeoutSeconds, worstCaseUsd } of planned) {
        // Secret names only: the values (and the token, with -s HF_TOKEN) never reach the output.
        ctx.out.json({ index: item.index, params: item.params, flavor, timeoutSeconds: timeoutSeconds ?? null, worstCaseUsd: worstCaseUsd ?? null, spec: printableSpec(item.spec) });
      }
    } else if (ctx.mode === "table") {
      ctx.out.line(formatSummary(result));
    } else if (ctx.mode === "plain") {
      ctx.out.line(["INDEX", "PARAMS", "FLAVOR", "TIMEOUT SECS", "WORST-CASE USD"].join("\t"));
      for (const { item, flavor, timeoutSeconds, worstCaseUsd } of planned) {
        ctx.out.line([item.index, paramsText(item.params), flavor, timeoutSeconds ?? "", worstCaseUsd ?? ""].map(plainCell).join("\t"));
      }
      ctx.info(dryRunTotal(result));
    }
    return;
  }
  if (ctx.mode === "json") {
    for (const r of result.results) ctx.out.json(resultJson(r, clean));
  } else if (ctx.mode === "quiet") {
    for (const r of result.results) if (r.job) ctx.out.line(r.job.id);
  } else if (ctx.mode === "table") {
    ctx.out.line(formatSummary(maskedResult(result, clean)));
    for (const r of result.results) if (r.value !== undefined) ctx.out.line(`#${r.index} ${paramsText(r.params)}: ${JSON.stringify(r.value)}`);
  } else {
    ctx.out.line(["INDEX", "PARAMS", "OUTCOME", "STAGE", "JOB ID", "ATTEMPTS", "RUNNING SECS", "COST USD", "VALUE", "ERROR"].join("\t"));
    for (const r of result.results) {
      const cost = r.costUsd === undefined ? "" : r.costUsd.toFixed(4);
      const value = r.value === undefined ? "" : JSON.stringify(r.value);
      const row = [r.index, paramsText(r.params), r.outcome, r.stage ?? "", r.job?.id ?? "", r.attempts, r.runningSecs, cost, value, r.error ? clean(r.error.message) : ""];
      ctx.out.line(row.map(plainCell).join("\t"));
    }
  }
  if (ctx.mode !== "json" && ctx.mode !== "table") ctx.info(`Sweep ${result.sweepId}: ${result.summary.completed}/${result.summary.total} completed`);
}

function plainCell(value: string | number): string {
  return String(value).replace(/[\t\r\n]+/g, " ");
}

/** `--collect last-json`: the last JSON line each completed job printed becomes its `value`. */
function collectWith(ctx: Context, how: string | undefined): ((job: Job, context: { signal?: AbortSignal }) => Promise<unknown>) | undefined {
  if (how === undefined) return undefined;
  if (how !== "last-json") throw new UsageError(`--collect expects last-json, got "${how}"${didYouMean(how, ["last-json"])}`);
  return lastJsonLine(ctx.client);
}

async function runSweep(ctx: Context, parsed: ParsedArgs): Promise<number> {
  const axes: Record<string, string[]> = parseParams(list(parsed.values, "param"));
  const flavors = csv(parsed.values, "flavor");
  if (flavors.length > 0) axes.flavor = flavors;
  if (Object.keys(axes).length === 0) throw new UsageError("nothing to sweep over: give --param NAME=V1,V2 and/or --flavor A,B");
  const maxCostUsd = parseMaxCost(str(parsed.values, "max-cost"));
  // --flavor is an axis here, not a single value: keep it out of the base spec.
  const base = await runSpecFrom(ctx, { ...parsed, values: { ...parsed.values, flavor: undefined } });
  const params = grid(axes) as Params[];
  // Every flavor before the first job: a typo in one must not leave the others half-launched.
  await checkFlavors(ctx, [base.flavor, ...flavors]);
  const progress = ctx.progress();
  // By index: a skipped item also gets its "finished" event, a retried one a second "launched".
  const finished = new Set<number>();
  const inFlight = new Set<number>();
  let failed = 0;
  const show = () => progress.update(`Sweep: ${finished.size}/${params.length} done, ${inFlight.size} running${failed ? `, ${failed} failed` : ""}`);
  const onProgress = (event: FanOutEvent<Params>) => {
    if (event.type === "launched") inFlight.add(event.index);
    if (event.type === "retried") inFlight.delete(event.index); // until its next launch
    if (event.type === "skipped") finished.add(event.index);
    if (event.type === "finished") {
      inFlight.delete(event.index);
      finished.add(event.index);
      if (!event.result.ok) failed += 1;
      const line = `#${event.index} ${paramsText(event.params)}: ${event.result.outcome}${event.result.job ? ` (${event.result.job.id})` : ""}`;
      // On a terminal above the status line; elsewhere (CI) one plain line per item as it ends.
      if (progress.enabled) progress.log(line);
      else if (ctx.mode === "plain" || ctx.mode === "table") ctx.info(line);
    }
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
      collect: collectWith(ctx, str(parsed.values, "collect")),
    });
  } finally {
    progress.stop();
  }
  await ctx.token(); // known to the masking of the messages printed below
  printSweep(ctx, result);
  return result.dryRun ? EXIT.OK : sweepExitCode(result);
}

/** `hf-jobs sweep`: one job per combination of parameters and flavors. */
export const sweepCommand: CommandSpec = {
  kind: "command",
  name: "sweep",
  summary: "Run one job per combination of parameters and flavors, and report them together",
  usage: "hf-jobs sweep [OPTIONS] --param NAME=V1,V2 [--flavor A,B] IMAGE [COMMAND [ARG...]]",
  description: `Runs the cartesian product of every --param and --flavor list. Each parameter reaches the
job as an environment variable of its name, and replaces {NAME} in the command, in -e values and
in --name. Each job also gets JOB_INDEX and JOB_COUNT, and the labels hf-jobs-sweep (the sweep id)
and hf-jobs-index. Exits 0 when every job COMPLETED, else with the code of the first that did not
(see docs/cli.md), 1 when some items were never launched (--max-cost reached, --fail-fast);
2 when --max-cost refuses the sweep (nothing launched). Ctrl-C cancels the jobs
in flight and exits 130. Secret values are never printed, --dry-run --json included.`,
  optionsHelp: `Sweep options:
      --param NAME=V1,V2,...  A parameter axis; repeatable
      --flavor A,B,...        Hardware flavors (an axis of its own)
      --concurrency N         Jobs in flight at once (default 4)
      --retries N             Run an item again when its job ends in ERROR (default 0)
      --fail-fast             Stop at the first failure, cancelling the jobs in flight
      --max-cost USD          Refuse to start (exit 2) if the worst case is over it; stop launching once reached
      --dry-run               Print the planned jobs, their timeouts and worst-case cost; launch nothing
      --sweep-id ID           Sweep id (default generated); with --resume, skip items already completed
      --resume                Continue the sweep --sweep-id: skip completed items
      --collect last-json     Keep the last JSON line each completed job printed (its result):
                              the VALUE column, "value" with --json

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
    collect: { type: "string" },
  },
  lead: 1,
  run: runSweep,
};
