/**
 * Public types of {@link fanOut}: options, per-item results, the summary and progress events.
 * @module
 */
import type { CostEstimate } from "./cost.js";
import type { ExtraJob } from "../jobs/create-once.js";
import type { Hardware, Job, JobStage, ListOptions, RequestOptions, RunSpec } from "../types.js";
import type { UvSpec } from "../uv/run-uv.js";

/**
 * What {@link fanOut} needs from a client: a `JobsClient` fits. The sweep sends creates, lists by
 * label, inspects a job the list keeps missing, cancels, and reads the prices.
 */
export interface FanOutClient {
  /** Creates one job. */
  run(spec: RunSpec, options?: RequestOptions): Promise<Job>;
  /** Lists jobs by label, newest first, following pagination. */
  list(options?: ListOptions): AsyncIterable<Job> & {
    /** Every job of every page. */
    toArray(): Promise<Job[]>;
  };
  /** Fetches one job by `namespace/id`. */
  inspect(ref: string, options?: RequestOptions): Promise<Job>;
  /** Cancels one job by `namespace/id`. */
  cancel(ref: string, options?: RequestOptions): Promise<Job>;
  /** The hardware flavors with their prices. */
  hardware(options?: RequestOptions): Promise<Hardware[]>;
}

/** Label holding the sweep id on every job of a sweep. */
export const SWEEP_LABEL = "hf-jobs-sweep";
/** Label holding the item's index (0-based position in `params`). */
export const INDEX_LABEL = "hf-jobs-index";
/** Label holding the attempt number (1 for the first job of an item, 2 for its first retry...). */
export const ATTEMPT_LABEL = "hf-jobs-attempt";

/** What the `job` function of {@link FanOutOptions} returns: a plain job, or a uv job (it has a `script`). */
export type FanOutSpec = RunSpec | UvSpec;

/** Context passed to {@link FanOutOptions.collect}. */
export interface CollectContext<P> {
  /** The item's parameters. */
  params: P;
  /** The item's index in `params`. */
  index: number;
  /** Aborted when the sweep's `signal` aborts (an `AbortError` thrown then keeps the item's outcome). */
  signal: AbortSignal;
}

/** Options of {@link fanOut}. Only `params` and `job` are required. */
export interface FanOutOptions<P, C = unknown> {
  /** The inputs, one job each: any array, e.g. from {@link grid} or {@link zip}. */
  params: readonly P[];
  /**
   * Builds the job of one input. Called once per item before anything is launched; the sweep adds
   * its labels and the `JOB_INDEX` / `JOB_COUNT` environment variables.
   */
  job: (params: P, index: number) => FanOutSpec | Promise<FanOutSpec>;
  /** Most jobs in flight (launched and not yet finished) at any time. Default 4. */
  concurrency?: number;
  /**
   * Id of the sweep, the value of the `hf-jobs-sweep` label (at most 100 letters, digits, `.`,
   * `-`, `_`). Default: a new id such as `sweep-20260101t120000-1a2b3c`. Give one to resume later.
   */
  sweepId?: string;
  /** Times an item whose job ends in `ERROR` is run again (never after `COMPLETED` or `CANCELED`). Default 0. */
  retries?: number;
  /** Stop at the first item that fails for good: cancel the jobs in flight and launch nothing more. Default false. */
  failFast?: boolean;
  /**
   * Skip the items whose job already `COMPLETED` in an earlier run of the same `sweepId` (and wait
   * for those still running instead of launching them again). Requires `sweepId`. Default false.
   * A `COMPLETED` job wins: an item that also has a job still in flight is skipped, and that job
   * is reported (`strayJobs`), neither waited for nor cancelled.
   */
  resume?: boolean;
  /**
   * Budget in USD, a cap on what this call's jobs can cost, retries included. The worst case of a
   * job is its timeout (30 min when unset) at its flavor's price, plus $0.01/hour when it exposes
   * ports.
   *
   * - The sweep refuses to start (a {@link BudgetExceededError}, before any job request) when the
   *   worst case of one attempt per item to launch is over it.
   * - Before each launch, first attempts and retries alike, it requires
   *   `spent + worst case of the jobs in flight + worst case of this attempt <= maxCostUsd`, where
   *   `spent` is the cost of this call's finished jobs and a job in flight counts the larger of its
   *   cost so far and its worst case. The first launch that does not fit stops launching
   *   (`stoppedBy: "budget"`): items not launched are `not-started`, an item whose retry was not
   *   launched stays `failed`; the jobs in flight finish.
   */
  maxCostUsd?: number;
  /**
   * Resolve the specs and the cost estimate, and launch nothing. No request but the hardware list,
   * and with `resume` the (read-only) list of the earlier run's jobs, so that the plan, the estimate
   * and the budget check cover exactly the items the real run would launch.
   */
  dryRun?: boolean;
  /** Stops launching, cancels the jobs in flight (see `cancelOnAbort`) and resolves with every item accounted for. */
  signal?: AbortSignal;
  /** Whether an abort cancels the jobs in flight; `false` leaves them running (reported as `detached`). Default true. */
  cancelOnAbort?: boolean;
  /** Called on each launch, stage change, retry, finished item and skipped item. Errors it throws are ignored. */
  onProgress?: (event: FanOutEvent<P, C>) => void;
  /**
   * Computes a value from each item whose job `COMPLETED` (skipped items included), e.g.
   * {@link lastJsonLine}; it lands in the result's `value`. If it throws, the item fails, except
   * for an abort: when the sweep's `signal` aborted and `collect` threw an `AbortError` (or the
   * signal's reason), the item keeps its outcome, without a value, and its `error` is a
   * `SweepStoppedError` (`reason: "aborted"`).
   */
  collect?: (job: Job, context: CollectContext<P>) => Promise<C> | C;
  /** Milliseconds between two status passes (one job list per pass serves the whole sweep). Default 2000. */
  pollIntervalMs?: number;
  /**
   * How long, in ms, to look for the job of a create whose outcome is unclear (a timeout, a dropped
   * connection, a 5xx) before sending it again; also how long the sweep keeps watching after such a
   * resend. Cover the service's slowest commit plus its list lag. Default 30000.
   */
  createGraceMs?: number;
  /** Namespace to run in; default each spec's, else the client's. Every job of a sweep shares one namespace. */
  namespace?: string;
}

/**
 * How an item ended:
 * - `completed`: its job `COMPLETED` (and `collect`, if any, succeeded or was cut short by an abort);
 * - `failed`: its last job ended in `ERROR` or `DELETED`, it could not be launched, or `collect` threw;
 * - `canceled`: its job was cancelled (by the sweep, after an abort or `failFast`, or by someone else);
 * - `skipped`: `resume` found a `COMPLETED` job from an earlier run;
 * - `not-started`: nothing was launched (abort, `failFast`, no room left in the budget, or a dry run);
 * - `detached`: the sweep stopped waiting while the job still ran (abort with `cancelOnAbort: false`).
 */
export type ItemOutcome = "completed" | "failed" | "canceled" | "skipped" | "not-started" | "detached";

/** Why a sweep stopped launching before the end. */
export type StopReason = "aborted" | "fail-fast" | "budget" | "poll-failed";

/** The result of one input. Every input gets exactly one, in input order. */
export interface FanOutItemResult<P, C = unknown> {
  /** Position of the input in `params`. */
  index: number;
  /** The input. */
  params: P;
  /** How it ended. */
  outcome: ItemOutcome;
  /** `true` for `completed` and `skipped`. */
  ok: boolean;
  /** The item's last job, in its final known state (the earlier job for `skipped`). */
  job?: Job;
  /** Ids of every job this call launched or adopted for the item, oldest first. */
  jobIds: string[];
  /** Number of jobs this call launched or adopted for the item (1 + retries used). */
  attempts: number;
  /** Final stage of the last job. */
  stage?: JobStage;
  /**
   * Why the item is not ok: the job's failure (when a retry was not launched because the sweep
   * stopped, its `cause` is the `SweepStoppedError` saying why), a launch error, a `collect` error,
   * or why it never started. On an ok item: the abort that cut its `collect` short.
   */
  error?: Error;
  /**
   * Only with `resume`: jobs of an earlier run still in flight for the item that this call does
   * not wait for (on a `skipped` item, all of them; on an item whose job in flight `resume` waits
   * for, the others). Another run of the same `sweepId` may be working on them: `resume` neither
   * waits for them nor cancels them, and does not count their cost.
   */
  strayJobs?: Job[];
  /**
   * Jobs this call created for the item besides those in `jobIds`: a create whose answer was lost
   * landed after the item had moved on (it was sent again, or gave up). The sweep cancels them;
   * `leftRunning` marks one it could not cancel. Absent when there is none.
   */
  extraJobs?: ExtraJob[];
  /** Running seconds summed over this call's jobs of the item (0 for `skipped`). */
  runningSecs: number;
  /**
   * Cost in USD of this call's jobs of the item (0 for `skipped`): running seconds / 60 × the
   * flavor's price per minute, plus $0.01/hour for a job that exposes ports; `undefined` when the
   * flavor has no known price.
   */
  costUsd?: number;
  /** What `collect` returned. */
  value?: C;
}

/** Totals of a sweep. */
export interface FanOutSummary {
  /** The sweep id (the `hf-jobs-sweep` label). */
  sweepId: string;
  /** Number of inputs. */
  total: number;
  /** Items that `completed`. */
  completed: number;
  /** Items that `failed`. */
  failed: number;
  /** Items that were `canceled`. */
  canceled: number;
  /** Items `skipped` by `resume`. */
  skipped: number;
  /** Items never launched. */
  notStarted: number;
  /** Items left running after an abort with `cancelOnAbort: false`. */
  detached: number;
  /**
   * Jobs created besides one per attempt (see {@link FanOutItemResult.extraJobs}); the sweep
   * cancelled them. Set on every summary `fanOut` returns (optional only for summaries built by hand).
   */
  extraJobs?: number;
  /** Extra jobs the sweep could not cancel: they may still be running. Set like `extraJobs`. */
  extraJobsLeftRunning?: number;
  /** Total cost in USD of the jobs this call ran (prices unknown count as 0, see `costComplete`). */
  costUsd: number;
  /** `false` when some flavor had no known price, so `costUsd` is a lower bound. */
  costComplete: boolean;
  /** Running seconds summed over every job this call ran. */
  runningSecs: number;
  /** Wall-clock seconds the call took. */
  wallSeconds: number;
  /** Why the sweep stopped launching early, if it did. */
  stoppedBy?: StopReason;
}

/** One item as the sweep resolved it, before launching. */
export interface PlannedItem<P> {
  /** Position in `params`. */
  index: number;
  /** The input. */
  params: P;
  /** The spec to run, with the sweep's labels (attempt 1) and `JOB_INDEX` / `JOB_COUNT` added; uv jobs resolved to a plain spec. */
  spec: RunSpec;
}

/** What a sweep resolved before launching: every spec, and the cost estimate. */
export interface FanOutPlan<P> {
  /** The sweep id. */
  sweepId: string;
  /** Every item, in input order. */
  items: Array<PlannedItem<P>>;
  /** Worst-case cost of the items to launch (all of them, or those `resume` did not skip). */
  estimate: CostEstimate;
  /** Indices of the items `resume` skips (an earlier job `COMPLETED`), in input order; empty without `resume`. */
  skipped?: number[];
}

/** What {@link fanOut} resolves with. */
export interface FanOutResult<P, C = unknown> {
  /** The sweep id; pass it as `sweepId` with `resume: true` to continue the sweep. */
  sweepId: string;
  /** Whether this was a dry run (nothing launched). */
  dryRun: boolean;
  /** The resolved specs and the estimate. */
  plan: FanOutPlan<P>;
  /** One result per input, in input order. */
  results: Array<FanOutItemResult<P, C>>;
  /** Totals. */
  summary: FanOutSummary;
  /** The summary and results as a table for a terminal (see {@link formatSummary}). */
  toString(): string;
}

/** Fields every progress event carries. */
export interface FanOutEventBase<P> {
  /** Index of the item. */
  index: number;
  /** Its input. */
  params: P;
}

/** Progress reported to {@link FanOutOptions.onProgress}. */
export type FanOutEvent<P, C = unknown> =
  | (FanOutEventBase<P> & {
      /** A job was created for the item (or, with `recovered`, found by its labels and adopted). */
      type: "launched";
      /** The job as created. */
      job: Job;
      /** Attempt number (the `hf-jobs-attempt` label). */
      attempt: number;
      /** The job already existed: it was found by its labels after an unclear create, or by `resume`. */
      recovered: boolean;
    })
  | (FanOutEventBase<P> & {
      /** A job of the item changed stage. */
      type: "stage";
      /** The job in its new state. */
      job: Job;
      /** The new stage. */
      stage: JobStage;
      /** The stage seen before. */
      previousStage: JobStage;
    })
  | (FanOutEventBase<P> & {
      /** The item's job ended in `ERROR` and the item is launched again. */
      type: "retried";
      /** The failed job. */
      job: Job;
      /** Number of the attempt about to start. */
      attempt: number;
    })
  | (FanOutEventBase<P> & {
      /** The item has its final result. */
      type: "finished";
      /** The result. */
      result: FanOutItemResult<P, C>;
    })
  | (FanOutEventBase<P> & {
      /** A job a lost create made for the item showed up after the item moved on; it was cancelled. */
      type: "extra-job";
      /** The extra job, after the cancel. */
      extra: ExtraJob;
    })
  | (FanOutEventBase<P> & {
      /** `resume` found a `COMPLETED` job for the item: nothing is launched. */
      type: "skipped";
      /** The earlier job. */
      job: Job;
      /** Jobs of an earlier run still in flight for the item, left alone (see {@link FanOutItemResult.strayJobs}). */
      strayJobs?: Job[];
    });
