/**
 * Batched waiting of {@link fanOut}: one job list by the sweep's label per tick serves every job in
 * flight, however many there are, instead of one inspect per job. A job the list keeps missing
 * (eventual consistency, deletion) falls back to one inspect after a few ticks: a 404 settles it as
 * `DELETED`, another permanent error settles it as failed with that error.
 * @internal
 * @module
 */
import { ApiError, JobNotFoundError, isAbortError } from "../core/errors.js";
import { RETRYABLE_STATUSES } from "../core/retry.js";
import { type FanOutClient, SWEEP_LABEL } from "./types.js";
import { sleep } from "../core/sleep.js";
import { isTerminal } from "../jobs/parse.js";
import type { Job, JobStage } from "../types.js";

/** How a wait ended: the job reached a terminal stage, or the sweep stopped waiting for it. */
export type Settlement =
  | { kind: "terminal"; job: Job }
  | { kind: "canceled"; job: Job; error?: Error }
  | { kind: "detached"; job: Job; error?: Error }
  | { kind: "failed"; job: Job; error: Error };

interface Entry {
  job: Job;
  missing: number;
  resolve: (settlement: Settlement) => void;
}

/** Settings of a {@link SweepPoller}. */
export interface PollerOptions {
  client: FanOutClient;
  sweepId: string;
  namespace?: string;
  intervalMs: number;
  /** Aborts the poller's own requests when the sweep ends. */
  signal: AbortSignal;
  /** A fresher state of a tracked job was seen (its stage may be unchanged). */
  onUpdate: (job: Job, previousStage: JobStage) => void;
  /** A list pass failed `consecutive` times in a row. */
  onError: (error: unknown, consecutive: number) => void;
  /** A listed job of the sweep that is not tracked. */
  onOther: (job: Job) => void;
  /** Whether every listed job matters (else a pass stops once every tracked job was seen). */
  wantsAll: () => boolean;
}

/** Ticks a job may be missing from the list before it is inspected on its own. */
const MISSING_TICKS_BEFORE_INSPECT = 3;

/** Tracks the sweep's jobs in flight and polls them, one list per tick. */
export class SweepPoller {
  readonly #options: PollerOptions;
  readonly #entries = new Map<string, Entry>();
  #running = false;
  #stopped = false;
  #failures = 0;

  constructor(options: PollerOptions) {
    this.#options = options;
  }

  /** Jobs in flight, in their last known state. */
  get inFlight(): Job[] {
    return [...this.#entries.values()].map((e) => e.job);
  }

  /** Waits for a job to reach a terminal stage (or for the sweep to settle it otherwise). */
  track(job: Job): Promise<Settlement> {
    if (isTerminal(job)) return Promise.resolve({ kind: "terminal", job });
    return new Promise<Settlement>((resolve) => {
      this.#entries.set(job.id, { job, missing: 0, resolve });
      if (!this.#running && !this.#stopped) {
        this.#running = true;
        void this.#loop();
      }
    });
  }

  /** Applies a fresher state of a tracked job (e.g. a cancel's answer); settles it if terminal. */
  update(job: Job): void {
    const entry = this.#entries.get(job.id);
    if (!entry) return;
    entry.missing = 0;
    const previous = entry.job.status.stage;
    entry.job = job;
    this.#options.onUpdate(job, previous);
    if (isTerminal(job)) {
      this.#entries.delete(job.id);
      entry.resolve({ kind: "terminal", job });
    }
  }

  /** Settles a tracked job without waiting for it any longer. */
  settle(jobId: string, settlement: Settlement): void {
    const entry = this.#entries.get(jobId);
    if (!entry) return;
    this.#entries.delete(jobId);
    entry.resolve(settlement);
  }

  /** Stops polling; jobs still tracked stay so until settled. */
  stop(): void {
    this.#stopped = true;
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#stopped && this.#entries.size > 0) {
        await sleep(this.#options.intervalMs, this.#options.signal);
        if (this.#stopped || this.#entries.size === 0) break;
        await this.#pass();
      }
    } catch (error) {
      // An unexpected failure (a bug, a callback that throws) ends the sweep's waiting: report it as fatal.
      if (!isAbortError(error)) this.#options.onError(error, Number.POSITIVE_INFINITY);
    } finally {
      this.#running = false;
    }
    // A job tracked between the last check and `finally` must not be left without a loop.
    if (!this.#stopped && this.#entries.size > 0 && !this.#running) {
      this.#running = true;
      void this.#loop();
    }
  }

  async #pass(): Promise<void> {
    const { client, sweepId, namespace, signal } = this.#options;
    const wanted = new Set(this.#entries.keys());
    const seen = new Set<string>();
    try {
      // Newest first: the walk can stop as soon as every tracked job has been seen.
      for await (const job of client.list({ labels: { [SWEEP_LABEL]: sweepId }, namespace, signal })) {
        if (!wanted.has(job.id)) {
          this.#options.onOther(job);
          continue;
        }
        seen.add(job.id);
        this.update(job);
        if (seen.size === wanted.size && !this.#options.wantsAll()) break;
      }
      this.#failures = 0;
    } catch (error) {
      if (isAbortError(error) || this.#stopped) return;
      this.#failures++;
      this.#options.onError(error, this.#failures);
      return;
    }
    for (const id of wanted) {
      const entry = this.#entries.get(id);
      if (!entry || seen.has(id)) continue;
      entry.missing++;
      if (entry.missing >= MISSING_TICKS_BEFORE_INSPECT) await this.#inspect(entry);
    }
  }

  async #inspect(entry: Entry): Promise<void> {
    const { client, signal } = this.#options;
    try {
      this.update(await client.inspect(`${entry.job.namespace}/${entry.job.id}`, { signal }));
    } catch (error) {
      if (error instanceof JobNotFoundError) {
        // Deleted behind the sweep's back: nothing left to wait for.
        this.update({ ...entry.job, status: { ...entry.job.status, stage: "DELETED", message: "the job no longer exists" } });
      } else if (error instanceof ApiError && !RETRYABLE_STATUSES.has(error.status)) {
        // Asking again will not help (e.g. 403): waiting for this job is over.
        this.settle(entry.job.id, { kind: "failed", job: entry.job, error });
      }
      // Transient failures: the next tick tries again.
    }
  }
}
