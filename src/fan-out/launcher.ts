/**
 * Launching one attempt of an item: the single-create protocol of `jobs/create-once.ts`, keyed by
 * the item's labels. Every send carries its own attempt number, so a job a lost create makes late
 * is attributable to its item and send.
 * @internal
 * @module
 */
import { type CreateOutcome, createOnce } from "../jobs/create-once.js";
import type { Job } from "../types.js";
import { withAttempt } from "./plan.js";
import { ATTEMPT_LABEL, type FanOutClient, INDEX_LABEL, type PlannedItem, SWEEP_LABEL } from "./types.js";

/** Creates sent again after unclear failures, per attempt. */
const MAX_UNCLEAR_RESENDS = 2;

/** What every launch of a sweep shares. */
export interface LaunchSettings {
  client: FanOutClient;
  sweepId: string;
  namespace?: string;
  graceMs: number;
  pollIntervalMs: number;
  /** Ends the lookups: the sweep is over. */
  signal: AbortSignal;
  /** Once aborted, the sweep launches nothing more: no resend, no wait after a 429. */
  stopSending: AbortSignal;
}

/** The item index and attempt number a job of the sweep carries, when it carries both. */
export function itemAttemptOf(job: Job, sweepId: string): { index: number; attempt: number } | undefined {
  if (job.labels[SWEEP_LABEL] !== sweepId) return undefined;
  const index = Number(job.labels[INDEX_LABEL]);
  const attempt = Number(job.labels[ATTEMPT_LABEL]);
  return Number.isInteger(index) && Number.isInteger(attempt) ? { index, attempt } : undefined;
}

/**
 * Creates the job of an item, first send numbered `attempt`. The caller's signal is never passed
 * to a create: aborting mid-create would leave it unknown whether the job exists.
 */
export function launch<P>(settings: LaunchSettings, item: PlannedItem<P>, attempt: number): Promise<CreateOutcome> {
  const { client, sweepId, namespace } = settings;
  return createOnce(
    {
      send: (n) => client.run(withAttempt(item.spec, n)),
      find: (signal) => client.list({ labels: { [SWEEP_LABEL]: sweepId, [INDEX_LABEL]: String(item.index) }, namespace, signal }).toArray(),
      attemptOf: (job) => {
        const found = itemAttemptOf(job, sweepId);
        return found?.index === item.index ? found.attempt : undefined;
      },
    },
    {
      firstAttempt: attempt,
      graceMs: settings.graceMs,
      pollIntervalMs: settings.pollIntervalMs,
      maxResends: MAX_UNCLEAR_RESENDS,
      signal: settings.signal,
      stopSending: settings.stopSending,
    },
  );
}
