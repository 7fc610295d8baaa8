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
import { ValidationError, isAbortError } from "../core/errors.js";
import { type PriceTable, estimate, priceTable, withinBudget } from "./cost.js";
import { BudgetExceededError, SweepStoppedError } from "./errors.js";
import { type ResolvedOptions, flavorAndTimeout, planItems, resolveOptions } from "./plan.js";
import { notStartedResult, summarize, sweepResult } from "./results.js";
import { type PriorState, priorJobs, skippedResult } from "./resume.js";
import { SweepRun } from "./sweep.js";
import type {
  FanOutClient,
  FanOutItemResult,
  FanOutOptions,
  FanOutPlan,
  FanOutResult,
  PlannedItem,
  StopReason,
} from "./types.js";

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
export async function fanOut<P, C = unknown>(client: FanOutClient, options: FanOutOptions<P, C>): Promise<FanOutResult<P, C>> {
  const startedAt = Date.now();
  const resolved = resolveOptions(options);
  const { items, namespace } = await planItems(options, resolved.sweepId);
  const signal = options.signal;
  const make = (plan: FanOutPlan<P>, results: Array<FanOutItemResult<P, C>>, stoppedBy?: StopReason) =>
    sweepResult(plan, results, resolved.dryRun, summarize(resolved.sweepId, results, startedAt, stoppedBy));
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

