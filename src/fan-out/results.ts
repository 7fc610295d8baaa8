/**
 * Building a sweep's results: one per item, the totals, and the object `fanOut` resolves with.
 * @internal
 * @module
 */
import type { ExtraJob } from "../jobs/create-once.js";
import type { Job } from "../types.js";
import { runningSecsOf } from "./cost.js";
import { formatSummary } from "./format.js";
import type {
  FanOutItemResult,
  FanOutPlan,
  FanOutResult,
  FanOutSummary,
  ItemOutcome,
  PlannedItem,
  StopReason,
} from "./types.js";

/** Per-item bookkeeping while it runs. */
export interface ItemState {
  jobIds: string[];
  attempts: number;
  /** Final job of each attempt, for the running time and the cost. */
  finals: Job[];
  job?: Job;
  /** Other jobs of an earlier run in flight for the item, besides the one `resume` waits for. */
  strayJobs?: Job[];
}

/** How the launch-and-wait part of an item ended (collect comes after, outside the slot). */
export interface Ended {
  outcome: ItemOutcome;
  error?: Error;
}

/** The result of a launched item, its running time and cost summed over its jobs. */
export function itemResult<P, C>(
  item: PlannedItem<P>,
  state: ItemState,
  ended: Ended,
  costOf: (job: Job) => number | undefined,
): FanOutItemResult<P, C> {
  const out: FanOutItemResult<P, C> = {
    index: item.index,
    params: item.params,
    outcome: ended.outcome,
    ok: ended.outcome === "completed",
    jobIds: state.jobIds,
    attempts: state.attempts,
    runningSecs: 0,
    costUsd: 0,
  };
  if (state.job) {
    out.job = state.job;
    out.stage = state.job.status.stage;
  }
  if (ended.error) out.error = ended.error;
  if (state.strayJobs) out.strayJobs = state.strayJobs;
  addCost(out, state.finals, costOf);
  return out;
}

/** The result of an item nothing was launched for. */
export function notStartedResult<P, C>(item: PlannedItem<P>, error?: Error): FanOutItemResult<P, C> {
  const out: FanOutItemResult<P, C> = {
    index: item.index,
    params: item.params,
    outcome: "not-started",
    ok: false,
    jobIds: [],
    attempts: 0,
    runningSecs: 0,
    costUsd: 0,
  };
  if (error) out.error = error;
  return out;
}

/** Adds jobs' running time and cost to a result (`undefined` cost: some flavor has no price). */
export function addCost<P, C>(out: FanOutItemResult<P, C>, jobs: readonly Job[], costOf: (job: Job) => number | undefined): void {
  for (const job of jobs) {
    const cost = costOf(job);
    out.runningSecs += runningSecsOf(job);
    out.costUsd = cost === undefined || out.costUsd === undefined ? undefined : out.costUsd + cost;
  }
}

/** Puts an item's extra jobs on its result, their running time and cost included. */
export function addExtras<P, C>(
  out: FanOutItemResult<P, C>,
  extras: readonly ExtraJob[] | undefined,
  costOf: (job: Job) => number | undefined,
): void {
  if (!extras || extras.length === 0) return;
  out.extraJobs = [...extras];
  addCost(
    out,
    extras.map((e) => e.job),
    costOf,
  );
}

/** The totals of a sweep. */
export function summarize<P, C>(
  sweepId: string,
  results: Array<FanOutItemResult<P, C>>,
  startedAt: number,
  stoppedBy: StopReason | undefined,
): FanOutSummary {
  const count = (outcome: ItemOutcome) => results.filter((r) => r.outcome === outcome).length;
  const extras = results.flatMap((r) => r.extraJobs ?? []);
  const summary: FanOutSummary = {
    sweepId,
    total: results.length,
    completed: count("completed"),
    failed: count("failed"),
    canceled: count("canceled"),
    skipped: count("skipped"),
    notStarted: count("not-started"),
    detached: count("detached"),
    extraJobs: extras.length,
    extraJobsLeftRunning: extras.filter((e) => e.leftRunning).length,
    costUsd: results.reduce((sum, r) => sum + (r.costUsd ?? 0), 0),
    costComplete: results.every((r) => r.costUsd !== undefined),
    runningSecs: results.reduce((sum, r) => sum + r.runningSecs, 0),
    wallSeconds: (Date.now() - startedAt) / 1000,
  };
  if (stoppedBy) summary.stoppedBy = stoppedBy;
  return summary;
}

/** The object `fanOut` resolves with. */
export function sweepResult<P, C>(
  plan: FanOutPlan<P>,
  results: Array<FanOutItemResult<P, C>>,
  dryRun: boolean,
  summary: FanOutSummary,
): FanOutResult<P, C> {
  const out: FanOutResult<P, C> = {
    sweepId: plan.sweepId,
    dryRun,
    plan,
    results,
    summary,
    toString: () => formatSummary(out),
  };
  return out;
}
