/**
 * Prices and cost arithmetic of {@link fanOut}: a job costs its running seconds / 60 × its rate
 * per minute (the flavor's price, plus $0.01/hour when it exposes ports);
 * the worst case of a job is its timeout at that rate.
 * @module
 */
import type { Flavor, Hardware, Job } from "../types.js";

/** The service's default job timeout, used when a spec sets none. */
export const DEFAULT_JOB_TIMEOUT_SECONDS = 30 * 60;

/** Flat surcharge in USD per hour of a job that exposes ports, while starting or running. */
export const EXPOSED_PORTS_USD_PER_HOUR = 0.01;

/** Price per minute in USD by flavor name. */
export type PriceTable = ReadonlyMap<string, number>;

/** Builds the price table from `client.hardware()`. */
export function priceTable(hardware: readonly Hardware[]): PriceTable {
  return new Map(hardware.map((h) => [h.name, h.pricePerMinuteUsd]));
}

/** Cost of `runningSecs` seconds on a flavor priced `pricePerMinuteUsd`. */
export function costOf(runningSecs: number, pricePerMinuteUsd: number): number {
  return (runningSecs / 60) * pricePerMinuteUsd;
}

/** Rate in USD per minute of a job: its flavor's price, plus the exposed-ports surcharge when it exposes any. */
export function ratePerMinute(pricePerMinuteUsd: number, exposesPorts: boolean): number {
  return pricePerMinuteUsd + (exposesPorts ? EXPOSED_PORTS_USD_PER_HOUR / 60 : 0);
}

/**
 * Whether `amountUsd` stays within `maxUsd`, to a billionth of a dollar (sums of prices carry
 * floating-point rounding: three $0.1 items must fit a $0.3 budget).
 */
export function withinBudget(amountUsd: number, maxUsd: number): boolean {
  return amountUsd <= maxUsd + 1e-9;
}

/** Running seconds of a job as reported by the service (0 while scheduling or when absent). */
export function runningSecsOf(job: Job): number {
  const secs = job.durations.runningSecs;
  return typeof secs === "number" && Number.isFinite(secs) && secs > 0 ? secs : 0;
}

/** The worst case of one planned item: its timeout at its flavor's price (plus the exposed-ports surcharge). */
export interface ItemEstimate {
  /** Index of the item in `params`. */
  index: number;
  /** Flavor the job asks for. */
  flavor: Flavor;
  /** Timeout in seconds; the service default (1800) when the spec sets none. */
  timeoutSeconds: number;
  /** Whether `timeoutSeconds` is the service default rather than the spec's. */
  defaultTimeout: boolean;
  /** Whether the spec exposes ports: the job then also costs $0.01 per hour. */
  exposesPorts: boolean;
  /** Price per minute in USD of the flavor; `undefined` when the hardware list does not know the flavor. */
  pricePerMinuteUsd?: number;
  /**
   * `timeoutSeconds` / 60 × (price + $0.01/60 when `exposesPorts`); `undefined` when the price is
   * unknown.
   */
  worstCaseUsd?: number;
}

/** The cost estimate of a sweep, over the items it would launch. */
export interface CostEstimate {
  /** One entry per item that would be launched. */
  items: ItemEstimate[];
  /** Sum of the items' worst cases (one attempt each); `undefined` when a price is unknown. */
  worstCaseUsd?: number;
  /** The same, counting every retry of every item; `undefined` when a price is unknown. */
  worstCaseWithRetriesUsd?: number;
  /** Flavors the hardware list has no price for. */
  unknownFlavors: string[];
}

/** Estimates the worst case of items given their flavor, timeout and whether they expose ports. */
export function estimate(
  items: ReadonlyArray<{ index: number; flavor: Flavor; timeoutSeconds: number | undefined; exposesPorts?: boolean }>,
  prices: PriceTable,
  retries: number,
): CostEstimate {
  const unknown = new Set<string>();
  let total: number | undefined = 0;
  const out = items.map((item): ItemEstimate => {
    const timeoutSeconds = item.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS;
    const price = prices.get(item.flavor);
    const entry: ItemEstimate = {
      index: item.index,
      flavor: item.flavor,
      timeoutSeconds,
      defaultTimeout: item.timeoutSeconds === undefined,
      exposesPorts: item.exposesPorts ?? false,
    };
    if (price === undefined) {
      unknown.add(item.flavor);
      total = undefined;
    } else {
      entry.pricePerMinuteUsd = price;
      entry.worstCaseUsd = costOf(timeoutSeconds, ratePerMinute(price, entry.exposesPorts));
      if (total !== undefined) total += entry.worstCaseUsd;
    }
    return entry;
  });
  return {
    items: out,
    worstCaseUsd: total,
    worstCaseWithRetriesUsd: total === undefined ? undefined : total * (1 + retries),
    unknownFlavors: [...unknown].sort(),
  };
}

/** Formats dollars for people: 4 decimals under $1, else 2; a positive amount never shows as zero. */
export function formatUsd(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "?";
  if (value > 0 && value < 0.00005) return "<$0.0001";
  return `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;
}
