/**
 * Errors specific to {@link fanOut}.
 * @module
 */
import { HfJobsError } from "../core/errors.js";
import type { CostEstimate } from "./cost.js";
import { formatUsd } from "./cost.js";
import type { StopReason } from "./types.js";

/** A sweep's worst-case cost is over `maxCostUsd`: nothing was launched. */
export class BudgetExceededError extends HfJobsError {
  override name = "BudgetExceededError";
  /** The budget. */
  readonly maxCostUsd: number;
  /** The estimate that exceeded it. */
  readonly estimate: CostEstimate;
  constructor(maxCostUsd: number, estimate: CostEstimate) {
    super(
      `The sweep may cost up to ${formatUsd(estimate.worstCaseUsd)} (${estimate.items.length} jobs running to their timeouts), over maxCostUsd ${formatUsd(maxCostUsd)}; nothing was launched. Lower the timeouts, the number of items or the flavors, or raise maxCostUsd.`,
    );
    this.maxCostUsd = maxCostUsd;
    this.estimate = estimate;
  }
}

const STOP_MESSAGES: Record<StopReason, string> = {
  aborted: "the sweep was aborted",
  "fail-fast": "another item failed and failFast is set",
  budget: "its worst case no longer fits in maxCostUsd (spend plus the worst case of the jobs in flight)",
  "poll-failed": "the sweep could no longer read the jobs' status",
};

/**
 * Why an item was not launched (or not launched again), was cancelled, was left running, or why
 * its `collect` was cut short: the sweep stopped (see `reason`).
 */
export class SweepStoppedError extends HfJobsError {
  override name = "SweepStoppedError";
  /** What stopped the sweep. */
  readonly reason: StopReason;
  constructor(reason: StopReason, what: "not launched" | "cancelled" | "left running" | "not collected", cause?: unknown) {
    super(`Item ${what}: ${STOP_MESSAGES[reason]}`, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}
