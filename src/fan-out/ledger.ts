/**
 * The budget ledger of a running sweep: what each of its jobs cost so far, its worst case, and the
 * creates under way, so that `maxCostUsd` caps spend plus everything that may still run.
 * @internal
 * @module
 */
import { isTerminal } from "../jobs/parse.js";
import type { Job, RunSpec } from "../types.js";
import { DEFAULT_JOB_TIMEOUT_SECONDS, type PriceTable, costOf, ratePerMinute, runningSecsOf, withinBudget } from "./cost.js";
import { flavorAndTimeout, specExposesPorts } from "./plan.js";

interface Entry {
  /** Cost so far (0 when the flavor has no price). */
  cost: number;
  /** Worst case: its timeout at its rate. */
  worst: number;
  /** Reached a terminal stage (then `cost` is final). */
  done: boolean;
  /** The spec it was created from (a response may not echo `expose`). */
  spec: RunSpec;
}

/** Costs and worst cases of one sweep's jobs. */
export class CostLedger {
  readonly #prices: PriceTable;
  readonly #maxCostUsd: number | undefined;
  readonly #entries = new Map<string, Entry>();
  /** Worst cases of the creates under way (reserved before the create is sent). */
  #reserved = 0;

  constructor(prices: PriceTable, maxCostUsd: number | undefined) {
    this.#prices = prices;
    this.#maxCostUsd = maxCostUsd;
  }

  /**
   * Cost of a job so far: its running seconds at its flavor's price, plus the exposed-ports
   * surcharge when the job or its spec exposes ports; `undefined` when the flavor has no price.
   */
  costOf(job: Job, spec?: RunSpec): number | undefined {
    const price = this.#prices.get(job.flavor);
    if (price === undefined) return undefined;
    const exposes = job.exposedPorts.length > 0 || (spec !== undefined && specExposesPorts(spec));
    return costOf(runningSecsOf(job), ratePerMinute(price, exposes));
  }

  /**
   * Worst case of one job of a spec: its timeout at its rate. `job`, an existing job being adopted,
   * wins over the spec for flavor, timeout and ports. 0 when no price is known.
   */
  worstCase(spec: RunSpec, job?: Job): number {
    const planned = flavorAndTimeout(spec);
    const price = this.#prices.get(job?.flavor ?? planned.flavor) ?? this.#prices.get(planned.flavor);
    if (price === undefined) return 0;
    const timeout = job?.timeoutSeconds ?? planned.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS;
    return costOf(timeout, ratePerMinute(price, planned.exposesPorts || (job?.exposedPorts.length ?? 0) > 0));
  }

  /** Whether a launch whose worst case is `worst` keeps the sweep within `maxCostUsd`. */
  fits(worst: number): boolean {
    return this.#maxCostUsd === undefined || withinBudget(this.committed() + worst, this.#maxCostUsd);
  }

  /** Holds `worst` for a create under way, until {@link release}: creates sent at once must not both fit. */
  reserve(worst: number): void {
    this.#reserved += worst;
  }

  /** Releases what {@link reserve} held. */
  release(worst: number): void {
    this.#reserved -= worst;
  }

  /** Starts counting a job of this sweep. */
  add(job: Job, spec: RunSpec, worst: number): void {
    this.#entries.set(job.id, { cost: 0, worst, done: false, spec });
    this.track(job);
  }

  /** Applies a fresher state of a counted job. */
  track(job: Job): void {
    const entry = this.#entries.get(job.id);
    if (!entry) return;
    entry.cost = this.costOf(job, entry.spec) ?? 0;
    entry.done = isTerminal(job);
  }

  /**
   * What this sweep's jobs may cost at most, as of now: each finished job at its cost, each job in
   * flight at the larger of its cost so far and its worst case, plus the creates under way.
   */
  committed(): number {
    let total = this.#reserved;
    for (const entry of this.#entries.values()) total += entry.done ? entry.cost : Math.max(entry.cost, entry.worst);
    return total;
  }
}
