/**
 * What an earlier run of the same sweep id left: `resume` skips the items whose job completed and
 * waits for those still in flight; every run numbers its attempts after the ones already used.
 * @internal
 * @module
 */
import { isTerminal } from "../jobs/parse.js";
import type { Job } from "../types.js";
import { ATTEMPT_LABEL, type FanOutClient, type FanOutItemResult, INDEX_LABEL, type PlannedItem, SWEEP_LABEL } from "./types.js";

/** What an earlier run of the same sweep id left for one item. */
export interface PriorState {
  /** Its newest `COMPLETED` job. */
  completed?: Job;
  /** A job still in flight (the newest attempt). */
  running?: Job;
  /** Every job still in flight. */
  inFlight: Job[];
  /** First attempt number not used yet (labels of two attempts never collide). */
  nextAttempt: number;
}

/** The attempt number a job of a sweep carries (1 when the label is missing or malformed). */
export function attemptOf(job: Job): number {
  const n = Number(job.labels[ATTEMPT_LABEL]);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

function newer(a: Job, b: Job): boolean {
  return (a.createdAt?.getTime() ?? 0) > (b.createdAt?.getTime() ?? 0) || attemptOf(a) > attemptOf(b);
}

/** Lists the sweep's earlier jobs and sums them up per item index. */
export async function priorJobs(
  client: FanOutClient,
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
    const state = out.get(index) ?? { nextAttempt: 1, inFlight: [] };
    state.nextAttempt = Math.max(state.nextAttempt, attemptOf(job) + 1);
    if (job.status.stage === "COMPLETED" && (!state.completed || newer(job, state.completed))) state.completed = job;
    if (!isTerminal(job)) {
      state.inFlight.push(job);
      if (!state.running || attemptOf(job) > attemptOf(state.running)) state.running = job;
    }
    out.set(index, state);
  }
  return out;
}

/**
 * The result of an item `resume` skips (its earlier job `COMPLETED`), or `undefined` when it is not
 * skipped. A job of an earlier run still in flight for it is reported, neither adopted nor
 * cancelled: another run of the same sweep id may be working on the item.
 */
export function skippedResult<P, C>(item: PlannedItem<P>, prior: PriorState | undefined): FanOutItemResult<P, C> | undefined {
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
