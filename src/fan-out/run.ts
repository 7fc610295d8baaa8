/**
 * `fanOut`: one call runs a parameter sweep (a grid, shards, the same job on several flavors) with
 * bounded concurrency, batched waiting, retries, a budget, resume and aggregated results.
 *
 * ```ts
 * const sweep = await fanOut(client, {
 *   params: grid({ lr: [1e-4, 3e-4], flavor: ["a10g-small", "l4x1"] }),
 *   job: (p) => ({ image: "python:3.12", command: ["python", "train.py"], flavor: p.flavor, env: { LR: String(p.lr) } }),
 *   concurrency: 4,
 * });
 * console.log(String(sweep));
 * ```
 * @module
 */
import pLimit, { type LimitFunction } from "p-limit";
import type { JobsClient } from "../client.js";
import {
  ConnectionError,
  InternalServerError,
  JobFailedError,
  RateLimitError,
  RequestTimeoutError,
  ResponseValidationError,
  ValidationError,
  isAbortError,
} from "../core/errors.js";
import {
  DEFAULT_JOB_TIMEOUT_SECONDS,
  type PriceTable,
  costOf,
  estimate,
  priceTable,
  ratePerMinute,
  runningSecsOf,
  withinBudget,
} from "./cost.js";
import { BudgetExceededError, SweepStoppedError } from "./errors.js";
import { formatSummary } from "./format.js";
import {
  type ResolvedOptions,
  attemptLabels,
  flavorAndTimeout,
  planItems,
  resolveOptions,
  specExposesPorts,
  withAttempt,
} from "./plan.js";
import { type Settlement, SweepPoller } from "./poller.js";
import {
  ATTEMPT_LABEL,
  type FanOutEvent,
  type FanOutItemResult,
  type FanOutOptions,
  type FanOutPlan,
  type FanOutResult,
  type FanOutSummary,
  INDEX_LABEL,
  type ItemOutcome,
  type PlannedItem,
  SWEEP_LABEL,
  type StopReason,
} from "./types.js";
import { backoffMs } from "../core/retry.js";
import { sleep } from "../core/sleep.js";
import { isTerminal } from "../jobs/parse.js";
import type { Job, RunSpec } from "../types.js";

/** Consecutive failed status passes after which the sweep gives up waiting. */
const MAX_POLL_FAILURES = 10;
/** Times a create rejected with 429 is sent again (after the server's `Retry-After`). */
const MAX_RATE_LIMITED_CREATES = 5;
/** Times a create whose outcome was unclear, and whose job the labels did not find, is sent again. */
const MAX_UNCLEAR_RESENDS = 2;

/**
 * Runs one job per input with at most `concurrency` in flight, waits for all of them with one
 * job list per tick, and resolves with one result per input, in input order, plus totals.
 *
 * Every option and every spec is validated first (a `ValidationError` naming the item, nothing
 * launched); `maxCostUsd` may refuse the sweep with a {@link BudgetExceededError}, and caps what
 * its jobs can cost, retries included (see {@link FanOutOptions.maxCostUsd}). Once running, the
 * call does not reject: failures, aborts and budget stops are reported in the results.
 *
 * ```ts
 * const sweep = await fanOut(client, {
 *   params: zip({ shard: [0, 1, 2, 3] }),
 *   job: (p) => ({ image: "python:3.12", command: ["python", "shard.py"], timeout: "20m" }),
 *   retries: 1,
 *   collect: lastJsonLine(client),
 * });
 * for (const r of sweep.results) console.log(r.index, r.outcome, r.value);
 * ```
 */
export async function fanOut<P, C = unknown>(client: JobsClient, options: FanOutOptions<P, C>): Promise<FanOutResult<P, C>> {
  const startedAt = Date.now();
  const resolved = resolveOptions(options);
  const { items, namespace } = await planItems(options, resolved.sweepId);
  const signal = options.signal;
  const make = (plan: FanOutPlan<P>, results: Array<FanOutItemResult<P, C>>, stoppedBy?: StopReason) =>
    result(plan, results, resolved.dryRun, summarize(resolved.sweepId, results, startedAt, stoppedBy));
  const notStartedAll = (plan: FanOutPlan<P>, reason?: StopReason) =>
    make(
      plan,
      items.map((item) => notStartedResult(item, reason && new SweepStoppedError(reason, "not launched"))),
      reason,
    );

  const needPrices = resolved.dryRun || resolved.maxCostUsd !== undefined;
  let prices: PriceTable = new Map();
  try {
    prices = priceTable(await client.hardware({ signal }));
  } catch (error) {
    if (isAbortError(error)) return notStartedAll(planOf(resolved, items, prices), "aborted");
    // Without a budget, prices only feed the report: a sweep need not fail for them.
    if (needPrices) throw error;
  }
  if (!resolved.resume) {
    const plan = planOf(resolved, items, prices);
    checkBudget(resolved, plan);
    if (resolved.dryRun) return notStartedAll(plan);
  }

  // Only a real run or a dry run with `resume` gets here. Listing is read-only: a dry run with
  // `resume` lists too, so that its plan and budget check cover what the real run would launch.
  let prior = new Map<number, PriorState>();
  if (resolved.givenSweepId) {
    try {
      prior = await priorJobs(client, resolved.sweepId, namespace, items.length, signal);
    } catch (error) {
      if (isAbortError(error)) return notStartedAll(planOf(resolved, items, prices), "aborted");
      throw error;
    }
  }
  const skips = (item: PlannedItem<P>) => resolved.resume && prior.get(item.index)?.completed !== undefined;
  const toRun = items.filter((item) => !skips(item));
  const plan = planOf(resolved, items, prices, toRun);
  if (resolved.resume) {
    checkBudget(resolved, plan);
    if (resolved.dryRun) {
      return make(
        plan,
        items.map((item) => skippedResult<P, C>(item, prior.get(item.index)) ?? notStartedResult<P, C>(item)),
      );
    }
  }

  const run = new SweepRun<P, C>(client, options, resolved, namespace, prices, prior);
  const results = await run.run(items);
  return make(plan, results, run.stopReason);
}

/** What an earlier run of the same sweep id left for one item. */
interface PriorState {
  /** Its newest `COMPLETED` job. */
  completed?: Job;
  /** A job still in flight (the newest attempt). */
  running?: Job;
  /** Every job still in flight. */
  inFlight: Job[];
  /** First attempt number not used yet (labels of two attempts never collide). */
  nextAttempt: number;
}

async function priorJobs(
  client: JobsClient,
  sweepId: string,
  namespace: string | undefined,
  count: number,
  signal: AbortSignal | undefined,
): Promise<Map<number, PriorState>> {
  const out = new Map<number, PriorState>();
  const jobs = await client.list({ labels: { [SWEEP_LABEL]: sweepId }, namespace, signal }).toArray();
  for (const job of jobs) {
    const index = Number(job.labels[INDEX_LABEL]);
    if (!Number.isInteger(index) || index < 0 || index >= count) continue;
    const attempt = Number(job.labels[ATTEMPT_LABEL]);
    const n = Number.isInteger(attempt) && attempt > 0 ? attempt : 1;
    const state = out.get(index) ?? { nextAttempt: 1, inFlight: [] };
    state.nextAttempt = Math.max(state.nextAttempt, n + 1);
    if (job.status.stage === "COMPLETED" && (!state.completed || newer(job, state.completed))) state.completed = job;
    if (!isTerminal(job)) state.inFlight.push(job);
    if (!isTerminal(job) && (!state.running || attemptOf(job) > attemptOf(state.running))) state.running = job;
    out.set(index, state);
  }
  return out;
}

function attemptOf(job: Job): number {
  return Number(job.labels[ATTEMPT_LABEL]) || 1;
}

function newer(a: Job, b: Job): boolean {
  return (a.createdAt?.getTime() ?? 0) > (b.createdAt?.getTime() ?? 0) || attemptOf(a) > attemptOf(b);
}

function planOf<P>(
  options: ResolvedOptions,
  items: Array<PlannedItem<P>>,
  prices: PriceTable,
  toRun: Array<PlannedItem<P>> = items,
): FanOutPlan<P> {
  const costed = toRun.map((item) => ({ index: item.index, ...flavorAndTimeout(item.spec) }));
  const running = new Set(toRun);
  const skipped = items.filter((item) => !running.has(item)).map((item) => item.index);
  return { sweepId: options.sweepId, items, estimate: estimate(costed, prices, options.retries), skipped };
}

function checkBudget<P>(options: ResolvedOptions, plan: FanOutPlan<P>): void {
  const max = options.maxCostUsd;
  if (max === undefined) return;
  const { worstCaseUsd, unknownFlavors } = plan.estimate;
  if (unknownFlavors.length > 0 || worstCaseUsd === undefined) {
    throw new ValidationError(
      "maxCostUsd",
      `no price is known for flavor ${unknownFlavors.join(", ")} (not in the hardware list), so the budget cannot be checked`,
    );
  }
  if (!withinBudget(worstCaseUsd, max)) throw new BudgetExceededError(max, plan.estimate);
}

function notStartedResult<P, C>(item: PlannedItem<P>, error?: Error): FanOutItemResult<P, C> {
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

/**
 * The result of an item `resume` skips (its earlier job `COMPLETED`), or `undefined` when it is not
 * skipped. A job of an earlier run still in flight for it is reported, neither adopted nor
 * cancelled: another run of the same sweep id may be working on the item.
 */
function skippedResult<P, C>(item: PlannedItem<P>, prior: PriorState | undefined): FanOutItemResult<P, C> | undefined {
  const job = prior?.completed;
  if (!job) return undefined;
  const out: FanOutItemResult<P, C> = {
    index: item.index,
    params: item.params,
    outcome: "skipped",
    ok: true,
    job,
    stage: job.status.stage,
    jobIds: [],
    attempts: 0,
    runningSecs: 0,
    costUsd: 0,
  };
  if (prior.inFlight.length > 0) out.strayJobs = [...prior.inFlight];
  return out;
}

function summarize<P, C>(
  sweepId: string,
  results: Array<FanOutItemResult<P, C>>,
  startedAt: number,
  stoppedBy: StopReason | undefined,
): FanOutSummary {
  const count = (outcome: ItemOutcome) => results.filter((r) => r.outcome === outcome).length;
  const summary: FanOutSummary = {
    sweepId,
    total: results.length,
    completed: count("completed"),
    failed: count("failed"),
    canceled: count("canceled"),
    skipped: count("skipped"),
    notStarted: count("not-started"),
    detached: count("detached"),
    costUsd: results.reduce((sum, r) => sum + (r.costUsd ?? 0), 0),
    costComplete: results.every((r) => r.costUsd !== undefined),
    runningSecs: results.reduce((sum, r) => sum + r.runningSecs, 0),
    wallSeconds: (Date.now() - startedAt) / 1000,
  };
  if (stoppedBy) summary.stoppedBy = stoppedBy;
  return summary;
}

function result<P, C>(
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

/** Errors after which a create may or may not have happened: look the job up before sending it again. */
function unclearCreate(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    error instanceof RequestTimeoutError ||
    error instanceof InternalServerError ||
    error instanceof ResponseValidationError
  );
}

/** Per-item bookkeeping while it runs. */
interface ItemState {
  jobIds: string[];
  attempts: number;
  /** Final job of each attempt, for the running time and the cost. */
  finals: Job[];
  job?: Job;
}

/** What the budget knows of one job of this call. */
interface LedgerEntry {
  /** Its cost so far (0 when its flavor has no price). */
  cost: number;
  /** Its worst case: its timeout at its rate. */
  worst: number;
  /** Whether it reached a terminal stage (then `cost` is final). */
  done: boolean;
}

/** The result of the launch-and-wait part of an item (collect comes after, outside the slot). */
interface Ended {
  outcome: ItemOutcome;
  error?: Error;
}

/** What a create gave: the job (`recovered` when found by its labels after an unclear create), or why there is none. */
type Launched = { job: Job; recovered: boolean } | { error: Error };

/** One running sweep. */
class SweepRun<P, C> {
  readonly #client: JobsClient;
  readonly #options: FanOutOptions<P, C>;
  readonly #resolved: ResolvedOptions;
  readonly #namespace?: string;
  readonly #prices: PriceTable;
  readonly #prior: Map<number, PriorState>;
  readonly #slots: LimitFunction;
  readonly #collectSlots: LimitFunction;
  /** Aborted when the sweep is over: ends the poller and any lookup. */
  readonly #done = new AbortController();
  /** Aborted as soon as the sweep stops launching: ends rate-limit waits. */
  readonly #stopping = new AbortController();
  readonly #poller: SweepPoller;
  /** Every job of this call, by id: its latest cost and its worst case, for the budget. */
  readonly #ledger = new Map<string, LedgerEntry>();
  /** Worst cases of the creates under way (reserved before the create is sent). */
  #launching = 0;
  /** Jobs the sweep itself cancelled. */
  readonly #canceledBySweep = new Set<string>();
  /** Item index of every job of this call, by id (for stage events). */
  readonly #owner = new Map<string, PlannedItem<P>>();
  #aborted = false;
  /** Why the sweep stopped launching, if it did. */
  stopReason?: StopReason;

  constructor(
    client: JobsClient,
    options: FanOutOptions<P, C>,
    resolved: ResolvedOptions,
    namespace: string | undefined,
    prices: PriceTable,
    prior: Map<number, PriorState>,
  ) {
    this.#client = client;
    this.#options = options;
    this.#resolved = resolved;
    this.#namespace = namespace;
    this.#prices = prices;
    this.#prior = prior;
    this.#slots = pLimit(resolved.concurrency);
    this.#collectSlots = pLimit(resolved.concurrency);
    this.#poller = new SweepPoller({
      client,
      sweepId: resolved.sweepId,
      namespace,
      intervalMs: resolved.pollIntervalMs,
      signal: this.#done.signal,
      onUpdate: (job, previous) => {
        this.#track(job);
        const item = this.#owner.get(job.id);
        if (item && previous !== job.status.stage) {
          this.#emit({ type: "stage", index: item.index, params: item.params, job, stage: job.status.stage, previousStage: previous });
        }
      },
      onError: (error, consecutive) => {
        if (consecutive >= MAX_POLL_FAILURES) this.#stop("poll-failed", error);
      },
    });
  }

  async run(items: Array<PlannedItem<P>>): Promise<Array<FanOutItemResult<P, C>>> {
    const signal = this.#options.signal;
    const onAbort = () => this.#abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) this.#abort();
    try {
      return await Promise.all(items.map((item) => this.#item(item)));
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#poller.stop();
      this.#done.abort();
    }
  }

  #emit(event: FanOutEvent<P, C>): void {
    try {
      this.#options.onProgress?.(event);
    } catch {
      // A progress callback must not break the sweep.
    }
  }

  /**
   * Cost of a job so far: its running seconds at its flavor's price, plus the exposed-ports
   * surcharge when the job (or its item's spec: a response may not echo `expose`) exposes ports;
   * `undefined` when the flavor has no price.
   */
  #jobCost(job: Job): number | undefined {
    const price = this.#prices.get(job.flavor);
    if (price === undefined) return undefined;
    const item = this.#owner.get(job.id);
    const exposes = job.exposedPorts.length > 0 || (item !== undefined && specExposesPorts(item.spec));
    return costOf(runningSecsOf(job), ratePerMinute(price, exposes));
  }

  /**
   * Worst case of one job of an item: its timeout at its rate. `job` is an earlier run's job being
   * adopted (its own flavor, timeout and ports win over the spec's). 0 when no price is known.
   */
  #worstCase(spec: RunSpec, job?: Job): number {
    const planned = flavorAndTimeout(spec);
    const price = this.#prices.get(job?.flavor ?? planned.flavor) ?? this.#prices.get(planned.flavor);
    if (price === undefined) return 0;
    const timeout = job?.timeoutSeconds ?? planned.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS;
    return costOf(timeout, ratePerMinute(price, planned.exposesPorts || (job?.exposedPorts.length ?? 0) > 0));
  }

  #track(job: Job): void {
    const entry = this.#ledger.get(job.id);
    if (!entry) return;
    entry.cost = this.#jobCost(job) ?? 0;
    entry.done = isTerminal(job);
  }

  /**
   * What this call's jobs may cost at most, as of now: each finished job at its cost, each job in
   * flight at the larger of its cost so far and its worst case, plus the creates under way.
   */
  #committed(): number {
    let total = this.#launching;
    for (const entry of this.#ledger.values()) total += entry.done ? entry.cost : Math.max(entry.cost, entry.worst);
    return total;
  }

  /** Whether a launch whose worst case is `worst` keeps the sweep within `maxCostUsd`. */
  #fits(worst: number): boolean {
    const max = this.#resolved.maxCostUsd;
    return max === undefined || withinBudget(this.#committed() + worst, max);
  }

  #stop(reason: StopReason, cause?: unknown): void {
    // A budget stop only ends launching: a later failFast, abort or polling failure still applies.
    if (this.stopReason && !(this.stopReason === "budget" && reason !== "budget")) return;
    this.stopReason = reason;
    this.#stopping.abort();
    // A budget stop lets the jobs in flight finish; the other reasons end them.
    if (reason === "fail-fast" || reason === "poll-failed") for (const job of this.#poller.inFlight) this.#interrupt(job, cause);
  }

  #abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#stop("aborted");
    this.#poller.stop();
    for (const job of this.#poller.inFlight) this.#interrupt(job);
  }

  /** Ends the wait for a job in flight according to why the sweep stopped. */
  #interrupt(job: Job, cause?: unknown): void {
    const reason = this.stopReason;
    if (this.#aborted && !this.#resolved.cancelOnAbort) {
      this.#poller.settle(job.id, { kind: "detached", job, error: new SweepStoppedError("aborted", "left running") });
    } else if (this.#aborted || reason === "fail-fast") {
      this.#canceledBySweep.add(job.id);
      // Never with the caller's signal: it may be the very abort that asks for these cancels.
      this.#client.cancel(`${job.namespace}/${job.id}`).then(
        (canceled) => {
          this.#track(canceled);
          if (this.#aborted) this.#poller.settle(job.id, { kind: "canceled", job: canceled });
          else this.#poller.update(canceled);
        },
        (error: unknown) => {
          const err = new SweepStoppedError(this.#aborted ? "aborted" : "fail-fast", "left running", error);
          // After an abort nobody waits any more; after failFast polling goes on and sees the end.
          if (this.#aborted) this.#poller.settle(job.id, { kind: "detached", job, error: err });
        },
      );
    } else if (reason === "poll-failed") {
      this.#poller.settle(job.id, { kind: "detached", job, error: new SweepStoppedError("poll-failed", "left running", cause) });
    }
  }

  async #item(item: PlannedItem<P>): Promise<FanOutItemResult<P, C>> {
    const prior = this.#prior.get(item.index);
    const skipped = this.#resolved.resume ? skippedResult<P, C>(item, prior) : undefined;
    let out: FanOutItemResult<P, C>;
    if (skipped?.job) {
      out = skipped;
      const event: FanOutEvent<P, C> = { type: "skipped", index: item.index, params: item.params, job: skipped.job };
      if (skipped.strayJobs) event.strayJobs = skipped.strayJobs;
      this.#emit(event);
    } else {
      out = await this.#run(item, prior);
    }
    const collect = this.#options.collect;
    if (collect && out.ok && out.job) {
      const job = out.job;
      if (this.#aborted) {
        // The job did complete: only its value is missing.
        out.error = new SweepStoppedError("aborted", "not collected");
      } else {
        try {
          const signal = this.#options.signal ?? this.#done.signal;
          out.value = await this.#collectSlots(() => collect(job, { params: item.params, index: item.index, signal }));
        } catch (error) {
          if (this.#aborted && (isAbortError(error) || error === this.#options.signal?.reason)) {
            // The abort cut collect short: the job still completed, so the outcome stands.
            out.error = new SweepStoppedError("aborted", "not collected", error);
          } else {
            out.ok = false;
            out.outcome = "failed";
            out.error = error instanceof Error ? error : new Error(String(error));
            this.#failed(out.error);
          }
        }
      }
    }
    this.#emit({ type: "finished", index: item.index, params: item.params, result: out });
    return out;
  }

  /** Launches and waits for an item that is not skipped, in a concurrency slot; sums its running time and cost. */
  async #run(item: PlannedItem<P>, prior: PriorState | undefined): Promise<FanOutItemResult<P, C>> {
    const state: ItemState = { jobIds: [], attempts: 0, finals: [] };
    const ended = await this.#slots(() => this.#attempts(item, state, prior));
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
    for (const job of state.finals) {
      const cost = this.#jobCost(job);
      out.runningSecs += runningSecsOf(job);
      out.costUsd = cost === undefined || out.costUsd === undefined ? undefined : out.costUsd + cost;
    }
    return out;
  }

  /** An item failed for good: with failFast, the sweep stops. */
  #failed(error: Error): void {
    if (this.#resolved.failFast) this.#stop("fail-fast", error);
  }

  /** Launches (and relaunches) an item's job and waits for it; runs inside a concurrency slot. */
  async #attempts(item: PlannedItem<P>, state: ItemState, prior: PriorState | undefined): Promise<Ended> {
    // Attempt numbers are never reused, even across runs of one sweep id: they key the creates.
    let attempt = prior?.nextAttempt ?? 1;
    let job: Job | undefined;
    /** The failed job of the previous attempt, announced once its retry is really launched. */
    let retryOf: Job | undefined;
    if (this.#resolved.resume && prior?.running) {
      job = prior.running;
      this.#adopt(item, state, job, attemptOf(job), true, this.#worstCase(item.spec, job));
    }
    for (;;) {
      if (!job) {
        // Budget: spent + worst case of the jobs in flight + this attempt's worst case <= maxCostUsd.
        const worst = this.#worstCase(item.spec);
        if (!this.stopReason && !this.#fits(worst)) this.#stop("budget");
        if (this.stopReason) return this.#notLaunched(state);
        if (retryOf) this.#emit({ type: "retried", index: item.index, params: item.params, job: retryOf, attempt });
        retryOf = undefined;
        // Reserved until the job is adopted: creates sent at the same time must not both fit.
        this.#launching += worst;
        let launched: Launched;
        try {
          launched = await this.#launch(item, attempt);
        } finally {
          this.#launching -= worst;
        }
        if ("error" in launched) {
          if (launched.error instanceof SweepStoppedError) return this.#notLaunched(state);
          this.#failed(launched.error);
          return { outcome: "failed", error: launched.error };
        }
        job = launched.job;
        this.#adopt(item, state, job, attempt, launched.recovered, worst);
        attempt++;
      }
      const settlement = await this.#wait(job);
      const final = settlement.job;
      state.job = final;
      state.finals.push(final);
      this.#track(final);
      if (settlement.kind !== "terminal") {
        const error = settlement.error ?? new SweepStoppedError(this.stopReason ?? "aborted", "cancelled");
        return { outcome: settlement.kind, error };
      }
      const stage = final.status.stage;
      if (stage === "COMPLETED") return { outcome: "completed" };
      if (stage === "CANCELED" && this.#canceledBySweep.has(final.id)) {
        return { outcome: "canceled", error: new SweepStoppedError(this.stopReason ?? "aborted", "cancelled") };
      }
      const error = new JobFailedError(final);
      if (stage === "ERROR" && state.attempts <= this.#resolved.retries) {
        // Launched again only if the sweep still launches and the budget has room (checked above).
        retryOf = final;
        job = undefined;
        continue;
      }
      this.#failed(error);
      return { outcome: stage === "CANCELED" ? "canceled" : "failed", error };
    }
  }

  #notLaunched(state: ItemState): Ended {
    const stopped = new SweepStoppedError(this.stopReason ?? "aborted", "not launched");
    if (state.job) {
      // Its earlier attempt failed and its retry was not launched: it failed for good, and says why.
      const error = new JobFailedError(state.job);
      error.cause = stopped;
      this.#failed(error);
      return { outcome: "failed", error };
    }
    return { outcome: "not-started", error: stopped };
  }

  #adopt(item: PlannedItem<P>, state: ItemState, job: Job, attempt: number, recovered: boolean, worst: number): void {
    state.attempts++;
    state.jobIds.push(job.id);
    state.job = job;
    this.#owner.set(job.id, item);
    this.#ledger.set(job.id, { cost: 0, worst, done: false });
    this.#track(job);
    this.#emit({ type: "launched", index: item.index, params: item.params, job, attempt, recovered });
  }

  #wait(job: Job): Promise<Settlement> {
    const settled = this.#poller.track(job);
    // Launched while the sweep was stopping (the create was already on its way): end it too.
    if (!isTerminal(job) && (this.#aborted || this.stopReason === "fail-fast" || this.stopReason === "poll-failed")) {
      this.#interrupt(job);
    }
    return settled;
  }

  /**
   * Creates one attempt's job. A create whose outcome is unclear is never sent again blindly:
   * the job is first looked up by its labels (sweep, index, attempt), the create's idempotency key.
   */
  async #launch(item: PlannedItem<P>, attempt: number): Promise<Launched> {
    const spec = withAttempt(item.spec, attempt);
    let rateLimited = 0;
    let resends = 0;
    for (;;) {
      try {
        // The caller's signal is not passed: aborting mid-create would leave it unknown whether the job exists.
        return { job: await this.#client.run(spec), recovered: false };
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        if (error instanceof RateLimitError && rateLimited < MAX_RATE_LIMITED_CREATES) {
          const waitMs = error.retryAfterMs ?? backoffMs(rateLimited, { maxRetries: 0, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 0 });
          rateLimited++;
          try {
            await sleep(waitMs, this.#stopping.signal);
          } catch {
            return { error: new SweepStoppedError(this.stopReason ?? "aborted", "not launched") };
          }
          continue;
        }
        if (!unclearCreate(error)) return { error: err };
        const found = await this.#lookup(item.index, attempt);
        if (found === "unknown") return { error: err };
        if (found) return { job: found, recovered: true };
        if (resends >= MAX_UNCLEAR_RESENDS || this.stopReason) return { error: err };
        resends++;
      }
    }
  }

  /**
   * Looks for the job of an attempt by its labels. Answers `undefined` only after two lookups a
   * poll interval apart found nothing (a slow create may show up late), and `"unknown"` when the
   * lookups themselves failed (then the create must not be sent again).
   */
  async #lookup(index: number, attempt: number): Promise<Job | undefined | "unknown"> {
    const labels = attemptLabels(this.#resolved.sweepId, index, attempt);
    let emptyAnswers = 0;
    for (let tries = 0; tries < 4 && emptyAnswers < 2; tries++) {
      if (tries > 0) {
        try {
          await sleep(this.#resolved.pollIntervalMs, this.#done.signal);
        } catch {
          return "unknown";
        }
      }
      try {
        const jobs = await this.#client.list({ labels, namespace: this.#namespace, signal: this.#done.signal }).toArray();
        const job = jobs.find((j) => j.status.stage !== "DELETED") ?? jobs[0];
        if (job) return job;
        emptyAnswers++;
      } catch {
        // Try again; give up as "unknown" if no lookup succeeds.
      }
    }
    return emptyAnswers >= 2 ? undefined : "unknown";
  }
}
