/**
 * Extra jobs of a sweep: jobs a create whose answer was lost made after its item moved on (it was
 * sent again, adopted another attempt's job, or gave up). Every send of the sweep is recorded by
 * item and attempt number; any listed job of one of those sends that the sweep did not adopt is
 * cancelled and reported on its item. While a send's fate is unknown, the poller's list is walked
 * whole, and the sweep ends with one more list once the grace window after such a send has passed.
 * @internal
 * @module
 */
import { type CreateOutcome, type ExtraJob, cancelExtra } from "../jobs/create-once.js";
import type { Job } from "../types.js";
import { sleep } from "../core/sleep.js";
import { itemAttemptOf } from "./launcher.js";
import { type FanOutClient, SWEEP_LABEL } from "./types.js";

/** Records a sweep's sends and deals with the extra jobs they make. */
export class ExtraJobs {
  readonly #client: FanOutClient;
  readonly #sweepId: string;
  readonly #graceMs: number;
  readonly #onExtra: (index: number, extra: ExtraJob) => void;
  /** Attempt numbers sent, by item index. */
  readonly #sent = new Map<number, Set<number>>();
  /** Attempts whose fate is unknown, by item index. */
  readonly #pending = new Map<number, Set<number>>();
  /** Items with a create under way (its own lookups decide about its jobs). */
  readonly #creating = new Set<number>();
  /** Ids of the jobs the sweep adopted or already dealt with. */
  readonly #known = new Set<string>();
  readonly #found = new Map<number, ExtraJob[]>();
  readonly #cancels = new Set<Promise<void>>();
  /** No list before this time may settle the unknown sends. */
  #watchUntil = 0;
  #anyUnclear = false;

  constructor(client: FanOutClient, sweepId: string, graceMs: number, onExtra: (index: number, extra: ExtraJob) => void) {
    this.#client = client;
    this.#sweepId = sweepId;
    this.#graceMs = graceMs;
    this.#onExtra = onExtra;
  }

  /** A job the sweep waits for: never an extra. */
  own(jobId: string): void {
    this.#known.add(jobId);
  }

  /** An item starts a create. */
  begin(index: number): void {
    this.#creating.add(index);
  }

  /** An item's create ended: records its sends, and deals with the other jobs its lookups found. */
  end(index: number, outcome: CreateOutcome): void {
    this.#creating.delete(index);
    const sent = this.#sent.get(index) ?? new Set<number>();
    for (const n of outcome.sent) sent.add(n);
    this.#sent.set(index, sent);
    if ("job" in outcome) this.own(outcome.job.id);
    const unclear = outcome.sent.length > 1 || ("job" in outcome && outcome.recovered) || outcome.pending.length > 0;
    if (unclear) this.#anyUnclear = true;
    if (outcome.pending.length > 0) {
      const pending = this.#pending.get(index) ?? new Set<number>();
      for (const n of outcome.pending) pending.add(n);
      this.#pending.set(index, pending);
      this.#watchUntil = Math.max(this.#watchUntil, Date.now() + this.#graceMs);
    }
    if ("job" in outcome) for (const job of outcome.extras) this.seen(job);
  }

  /** Whether some send's fate is unknown (then every listed job of the sweep matters). */
  get watching(): boolean {
    return this.#pending.size > 0;
  }

  /** A job of the sweep was listed: cancels and reports it if it is an extra. */
  seen(job: Job): void {
    if (this.#known.has(job.id)) return;
    const at = itemAttemptOf(job, this.#sweepId);
    if (!at || !this.#sent.get(at.index)?.has(at.attempt) || this.#creating.has(at.index)) return;
    this.#known.add(job.id);
    const pending = this.#pending.get(at.index);
    pending?.delete(at.attempt);
    if (pending?.size === 0) this.#pending.delete(at.index);
    const done = cancelExtra(this.#client, job, at.attempt).then((extra) => {
      const list = this.#found.get(at.index) ?? [];
      list.push(extra);
      this.#found.set(at.index, list);
      this.#onExtra(at.index, extra);
    });
    this.#cancels.add(done);
    void done.finally(() => this.#cancels.delete(done));
  }

  /** The extra jobs of an item, if any. */
  of(index: number): ExtraJob[] | undefined {
    return this.#found.get(index);
  }

  /**
   * Ends the watch: after an unclear create, waits out the grace window, lists the sweep's jobs once
   * more, and waits for every cancel. A failed final list leaves the unknown sends unknown.
   */
  async settle(namespace: string | undefined): Promise<void> {
    if (this.#anyUnclear) {
      const wait = this.#watchUntil - Date.now();
      if (wait > 0) await sleep(wait);
      try {
        const jobs = await this.#client.list({ labels: { [SWEEP_LABEL]: this.#sweepId }, namespace }).toArray();
        for (const job of jobs) this.seen(job);
      } catch {
        // The sweep's own results stand; only late extras would go unseen.
      }
    }
    while (this.#cancels.size > 0) await Promise.all([...this.#cancels]);
  }
}
