/**
 * One running sweep: launches each item in a concurrency slot, waits through the shared poller,
 * retries, stops (abort, failFast, budget, lost status), and builds each item's result.
 * @internal
 * @module
 */
import pLimit, { type LimitFunction } from "p-limit";
import { JobFailedError, isAbortError } from "../core/errors.js";
import type { ExtraJob } from "../jobs/create-once.js";
import { isTerminal } from "../jobs/parse.js";
import type { Job } from "../types.js";
import type { PriceTable } from "./cost.js";
import { SweepStoppedError } from "./errors.js";
import { ExtraJobs } from "./extras.js";
import { launch } from "./launcher.js";
import { CostLedger } from "./ledger.js";
import type { ResolvedOptions } from "./plan.js";
import { type Settlement, SweepPoller } from "./poller.js";
import { type Ended, type ItemState, addExtras, itemResult } from "./results.js";
import { type PriorState, attemptOf, skippedResult } from "./resume.js";
import type { FanOutClient, FanOutEvent, FanOutItemResult, FanOutOptions, PlannedItem, StopReason } from "./types.js";

/** Consecutive failed status passes after which the sweep gives up waiting. */
const MAX_POLL_FAILURES = 10;

/** One running sweep. */
export class SweepRun<P, C> {
  readonly #client: FanOutClient;
  readonly #options: FanOutOptions<P, C>;
  readonly #resolved: ResolvedOptions;
  readonly #namespace?: string;
  readonly #prior: Map<number, PriorState>;
  readonly #slots: LimitFunction;
  readonly #collectSlots: LimitFunction;
  /** Aborted when the sweep is over: ends the poller and any lookup. */
  readonly #done = new AbortController();
  /** Aborted as soon as the sweep stops launching: ends rate-limit waits and resends. */
  readonly #stopping = new AbortController();
  readonly #poller: SweepPoller;
  readonly #ledger: CostLedger;
  readonly #extras: ExtraJobs;
  /** Jobs the sweep itself cancelled. */
  readonly #canceledBySweep = new Set<string>();
  /** The item of every job of this call, by id (for stage events and costs). */
  readonly #owner = new Map<string, PlannedItem<P>>();
  readonly #items = new Map<number, PlannedItem<P>>();
  #aborted = false;
  /** Why the sweep stopped launching, if it did. */
  stopReason?: StopReason;

  constructor(
    client: FanOutClient,
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
    this.#prior = prior;
    this.#slots = pLimit(resolved.concurrency);
    this.#collectSlots = pLimit(resolved.concurrency);
    this.#ledger = new CostLedger(prices, resolved.maxCostUsd);
    this.#extras = new ExtraJobs(client, resolved.sweepId, resolved.createGraceMs, (index, extra) => this.#extra(index, extra));
    this.#poller = new SweepPoller({
      client,
      sweepId: resolved.sweepId,
      namespace,
      intervalMs: resolved.pollIntervalMs,
      signal: this.#done.signal,
      onUpdate: (job, previous) => {
        this.#ledger.track(job);
        const item = this.#owner.get(job.id);
        if (item && previous !== job.status.stage) {
          this.#emit({ type: "stage", index: item.index, params: item.params, job, stage: job.status.stage, previousStage: previous });
        }
      },
      onError: (error, consecutive) => {
        if (consecutive >= MAX_POLL_FAILURES) this.#stop("poll-failed", error);
      },
      onOther: (job) => this.#extras.seen(job),
      wantsAll: () => this.#extras.watching,
    });
  }

  /** Runs every item; resolves with one result per item, in input order, once no extra job is left to deal with. */
  async run(items: Array<PlannedItem<P>>): Promise<Array<FanOutItemResult<P, C>>> {
    const signal = this.#options.signal;
    const onAbort = () => this.#abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) this.#abort();
    for (const item of items) this.#items.set(item.index, item);
    try {
      const results = await Promise.all(items.map((item) => this.#item(item)));
      this.#poller.stop();
      await this.#extras.settle(this.#namespace);
      const costOf = (job: Job) => this.#ledger.costOf(job, this.#owner.get(job.id)?.spec);
      for (const out of results) addExtras(out, this.#extras.of(out.index), costOf);
      return results;
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

  #extra(index: number, extra: ExtraJob): void {
    const item = this.#items.get(index);
    if (!item) return;
    this.#owner.set(extra.job.id, item);
    // A cancelled extra costs what it ran; only one left running may still cost its worst case.
    this.#ledger.add(extra.job, item.spec, extra.leftRunning ? this.#ledger.worstCase(item.spec, extra.job) : 0);
    this.#emit({ type: "extra-job", index, params: item.params, extra });
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
          this.#ledger.track(canceled);
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
    if (this.#options.collect && out.ok && out.job) await this.#collect(item, out, out.job);
    this.#emit({ type: "finished", index: item.index, params: item.params, result: out });
    return out;
  }

  async #collect(item: PlannedItem<P>, out: FanOutItemResult<P, C>, job: Job): Promise<void> {
    const collect = this.#options.collect;
    if (!collect) return;
    if (this.#aborted) {
      // The job did complete: only its value is missing.
      out.error = new SweepStoppedError("aborted", "not collected");
      return;
    }
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

  /** Launches and waits for an item that is not skipped, in a concurrency slot; sums its running time and cost. */
  async #run(item: PlannedItem<P>, prior: PriorState | undefined): Promise<FanOutItemResult<P, C>> {
    const state: ItemState = { jobIds: [], attempts: 0, finals: [] };
    const ended = await this.#slots(() => this.#attempts(item, state, prior));
    return itemResult<P, C>(item, state, ended, (job) => this.#ledger.costOf(job, item.spec));
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
      const others = prior.inFlight.filter((j) => j.id !== prior.running?.id);
      if (others.length > 0) state.strayJobs = others;
      this.#adopt(item, state, job, attemptOf(job), true, this.#ledger.worstCase(item.spec, job));
    }
    for (;;) {
      if (!job) {
        // Budget: spent + worst case of the jobs in flight + this attempt's worst case <= maxCostUsd.
        const worst = this.#ledger.worstCase(item.spec);
        if (!this.stopReason && !this.#ledger.fits(worst)) this.#stop("budget");
        if (this.stopReason) return this.#notLaunched(state);
        if (retryOf) this.#emit({ type: "retried", index: item.index, params: item.params, job: retryOf, attempt });
        retryOf = undefined;
        const launched = await this.#launch(item, attempt, worst);
        if ("error" in launched) {
          if (launched.stopped || launched.error instanceof SweepStoppedError) return this.#notLaunched(state);
          this.#failed(launched.error);
          return { outcome: "failed", error: launched.error };
        }
        job = launched.job;
        this.#adopt(item, state, job, launched.attempt, launched.recovered, worst);
        attempt = Math.max(...launched.sent) + 1;
      }
      const settlement = await this.#wait(job);
      const final = settlement.job;
      state.job = final;
      state.finals.push(final);
      this.#ledger.track(final);
      if (settlement.kind !== "terminal") {
        const error = settlement.error ?? new SweepStoppedError(this.stopReason ?? "aborted", "cancelled");
        if (settlement.kind === "failed") this.#failed(error);
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

  /** One create through the single-create protocol, its worst case reserved in the ledger meanwhile. */
  async #launch(item: PlannedItem<P>, attempt: number, worst: number) {
    const settings = {
      client: this.#client,
      sweepId: this.#resolved.sweepId,
      namespace: this.#namespace,
      graceMs: this.#resolved.createGraceMs,
      pollIntervalMs: this.#resolved.pollIntervalMs,
      signal: this.#done.signal,
      stopSending: this.#stopping.signal,
    };
    this.#ledger.reserve(worst);
    this.#extras.begin(item.index);
    try {
      const outcome = await launch(settings, item, attempt);
      // Owned before the extras see the outcome, so that its job is never taken for an extra.
      if ("job" in outcome) this.#owner.set(outcome.job.id, item);
      this.#extras.end(item.index, outcome);
      return outcome;
    } finally {
      this.#ledger.release(worst);
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
    this.#extras.own(job.id);
    this.#ledger.add(job, item.spec, worst);
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
}
