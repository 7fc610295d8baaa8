/**
 * Creating a job at most once over a network that loses answers.
 *
 * A create that times out, loses its connection, or gets a 5xx may still have created its job:
 * real servers keep processing a request after its client has gone, and their lists lag behind
 * their writes. Sending it again at once can start a second job; giving up can leave a job nobody
 * watches. The protocol here labels every send with a key shared by all sends of one create and an
 * attempt number of its own, then:
 *
 * 1. after an unclear failure, lists by the key until a grace window has passed (long enough for a
 *    slow commit and a lagging list) and adopts the job if one shows up;
 * 2. sends again, under the next attempt number, only when a list taken after the window still
 *    shows nothing;
 * 3. after a resend, keeps watching the earlier attempts' labels for another window, and cancels
 *    any job they create late, reporting it as an extra job.
 *
 * `fanOut` runs the same protocol per item; {@link runOnce} is the single-create form.
 * @module
 */
import { RateLimitError, ValidationError, isAbortError, isUnclearCreate } from "../core/errors.js";
import { backoffMs } from "../core/retry.js";
import { sleep } from "../core/sleep.js";
import type { Job, ListOptions, RequestOptions, RunSpec } from "../types.js";
import { isTerminal } from "./parse.js";

/** Label holding the key shared by every send of one {@link runOnce} call. */
export const CREATE_KEY_LABEL = "hf-jobs-create";
/** Label holding the number of one send of a {@link runOnce} call (1, 2...). */
export const CREATE_ATTEMPT_LABEL = "hf-jobs-create-attempt";

/** Default grace window, in ms, before an unclear create is sent again. */
export const DEFAULT_CREATE_GRACE_MS = 30_000;

/** Times a create answered 429 is sent again, after the server's `Retry-After`. */
const MAX_RATE_LIMITED = 5;

/** A job created by a send whose answer was lost, besides the job the create kept. */
export interface ExtraJob {
  /** The job, in its last known state (after the cancel, when it was cancelled). */
  job: Job;
  /** Attempt number of the send that created it. */
  attempt: number;
  /** `true` when it could not be cancelled and may still be running (`error` says why). */
  leftRunning: boolean;
  /** Why the cancel failed. */
  error?: Error;
}

/** What {@link runOnce} needs from a client; a `JobsClient` fits. */
export interface CreateOnceClient {
  /** Sends one create. */
  run(spec: RunSpec, options?: RequestOptions): Promise<Job>;
  /** Lists jobs by label. */
  list(options?: ListOptions): {
    /** Every job of every page. */
    toArray(): Promise<Job[]>;
  };
  /** Cancels a job. */
  cancel(ref: string, options?: RequestOptions): Promise<Job>;
}

/** How the protocol sends and finds the jobs of one logical create. @internal */
export interface CreateChannel {
  /** Sends the create, labelled with attempt number `attempt`. */
  send(attempt: number): Promise<Job>;
  /** Lists the jobs carrying the create's key (any attempt). */
  find(signal: AbortSignal | undefined): Promise<Job[]>;
  /** The attempt number a listed job carries. */
  attemptOf(job: Job): number | undefined;
}

/** Settings of {@link createOnce}. @internal */
export interface CreateSettings {
  /** Attempt number of the first send. */
  firstAttempt: number;
  /** Grace window after an unclear failure, in ms. */
  graceMs: number;
  /** Time between two lookups, in ms. */
  pollIntervalMs: number;
  /** Sends after the first one whose failure was unclear. */
  maxResends: number;
  /** Ends the lookups (the outcome is then unknown). */
  signal?: AbortSignal;
  /** Once aborted, no create is sent again (a 429 wait ends too). */
  stopSending?: AbortSignal;
}

/** How a create ended. @internal */
export type CreateOutcome =
  | {
      job: Job;
      /** Attempt number of `job`. */
      attempt: number;
      /** Found by the key after an unclear failure rather than answered. */
      recovered: boolean;
      /** Other jobs of this create the lookups found (to cancel). */
      extras: Job[];
      /** Attempts sent whose fate is unknown: they may still create a job. */
      pending: number[];
      /** Attempt numbers used. */
      sent: number[];
    }
  | {
      error: Error;
      /** The create was not sent (again) because `stopSending` aborted. */
      stopped: boolean;
      pending: number[];
      sent: number[];
    };

/**
 * Sends a create and recovers from unclear failures without creating a second job (see the module
 * header). Never throws: a failure is part of the outcome, with the attempts that may still land.
 * @internal
 */
export async function createOnce(channel: CreateChannel, settings: CreateSettings): Promise<CreateOutcome> {
  const sent: number[] = [];
  const pending = new Set<number>();
  let attempt = settings.firstAttempt;
  let rateLimited = 0;
  let resends = 0;
  const fail = (error: Error, stopped = false): CreateOutcome => ({ error, stopped, pending: [...pending], sent });
  for (;;) {
    if (!sent.includes(attempt)) sent.push(attempt);
    let error: Error;
    try {
      const job = await channel.send(attempt);
      pending.delete(attempt);
      return { job, attempt, recovered: false, extras: [], pending: [...pending], sent };
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
    }
    if (error instanceof RateLimitError && rateLimited < MAX_RATE_LIMITED) {
      const policy = { maxRetries: 0, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 0 };
      const waitMs = error.retryAfterMs ?? backoffMs(rateLimited, policy);
      rateLimited++;
      try {
        await sleep(waitMs, settings.stopSending);
      } catch {
        return fail(error, true);
      }
      continue;
    }
    if (!isUnclearCreate(error) || isAbortError(error)) return fail(error);
    pending.add(attempt);
    const found = await lookUp(channel, settings, sent);
    if (found === "unknown") return fail(error);
    if (found.length > 0) {
      const [job, ...extras] = pickAdopted(found, channel);
      const adopted = channel.attemptOf(job) ?? attempt;
      for (const j of found) pending.delete(channel.attemptOf(j) ?? adopted);
      return { job, attempt: adopted, recovered: true, extras, pending: [...pending], sent };
    }
    if (resends >= settings.maxResends || settings.stopSending?.aborted) return fail(error, settings.stopSending?.aborted);
    resends++;
    attempt = Math.max(...sent) + 1;
  }
}

/** The job to keep first (a live one, then the earliest attempt), then the others. */
function pickAdopted(found: Job[], channel: CreateChannel): [Job, ...Job[]] {
  const rank = (job: Job) => (job.status.stage === "DELETED" ? 1 : 0);
  const sorted = [...found].sort((a, b) => rank(a) - rank(b) || (channel.attemptOf(a) ?? 0) - (channel.attemptOf(b) ?? 0));
  return sorted as [Job, ...Job[]];
}

/**
 * Lists by the key until a job of one of `sent` shows up, or until a list started after the
 * grace window shows none (`[]`). `"unknown"` when no list succeeded by twice the window, or when
 * `settings.signal` aborted.
 */
async function lookUp(channel: CreateChannel, settings: CreateSettings, sent: number[]): Promise<Job[] | "unknown"> {
  const deadline = Date.now() + settings.graceMs;
  for (;;) {
    const startedAt = Date.now();
    try {
      const jobs = await channel.find(settings.signal);
      const ours = jobs.filter((job) => sent.includes(channel.attemptOf(job) ?? Number.NaN));
      if (ours.length > 0 || startedAt >= deadline) return ours;
    } catch {
      if (settings.signal?.aborted || Date.now() >= deadline + settings.graceMs) return "unknown";
    }
    try {
      await sleep(Math.min(settings.pollIntervalMs, Math.max(1, deadline - Date.now())), settings.signal);
    } catch {
      return "unknown";
    }
  }
}

/** Options of {@link runOnce}. */
export interface RunOnceOptions {
  /**
   * Value of the `hf-jobs-create` label carried by every send of this create: its idempotency key.
   * At most 100 letters, digits, `.`, `-`, `_`. Default: a new random key.
   */
  key?: string;
  /**
   * How long, in ms, to keep looking for the job of an unclear create (a timeout, a dropped
   * connection, a 5xx) before sending it again; also how long to keep watching after a resend.
   * Cover the server's slowest commit plus its list lag. Default 30000.
   */
  graceMs?: number;
  /** Time between two lookups, in ms. Default 1000. */
  pollIntervalMs?: number;
  /** Creates sent again after unclear failures. Default 2. */
  maxResends?: number;
  /**
   * Aborts the call. A job may then exist without being returned: find it with
   * `client.list({ labels: { "hf-jobs-create": key } })`.
   */
  signal?: AbortSignal;
}

/** What {@link runOnce} resolves with. */
export interface RunOnceResult {
  /** The job. */
  job: Job;
  /** The idempotency key (the `hf-jobs-create` label). */
  key: string;
  /** Whether the job was found by its labels after an unclear create, rather than answered. */
  recovered: boolean;
  /** Creates sent, 429 rejections not counted. */
  sends: number;
  /** Jobs created by sends whose answer was lost, besides `job`: cancelled, unless `leftRunning`. */
  extraJobs: ExtraJob[];
  /**
   * Attempt numbers whose job may still appear later (only when `signal` cut the watch short);
   * list by the key to check.
   */
  unresolved: number[];
}

const KEY_RE = /^[A-Za-z0-9._-]{1,100}$/;

function positive(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new ValidationError(name, `expected a number >= ${min}`);
  }
  return value;
}

/**
 * Runs a job at most once, even when a create's answer is lost: what to use instead of "list by
 * label, then run again". Every send carries the labels `hf-jobs-create=<key>` and
 * `hf-jobs-create-attempt=<n>`. After an unclear failure the job is looked up by the key for
 * `graceMs` and adopted if found; the create is sent again only when nothing showed up by then.
 * After a resend, the earlier sends are watched for another `graceMs`, and any job they create
 * late is cancelled and reported in `extraJobs`. Other failures reject as `client.run` does.
 *
 * ```ts
 * const { job, extraJobs } = await runOnce(client, { image: "python:3.12", command: ["python", "train.py"] }, { graceMs: 30_000 });
 * ```
 */
export async function runOnce(client: CreateOnceClient, spec: RunSpec, options: RunOnceOptions = {}): Promise<RunOnceResult> {
  const key = options.key ?? `create-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  if (typeof key !== "string" || !KEY_RE.test(key)) throw new ValidationError("key", "must be 1-100 letters, digits, ., - or _");
  for (const reserved of [CREATE_KEY_LABEL, CREATE_ATTEMPT_LABEL]) {
    if (spec.labels && reserved in spec.labels) throw new ValidationError(`labels.${reserved}`, "is set by runOnce; use another key");
  }
  const graceMs = positive("graceMs", options.graceMs, DEFAULT_CREATE_GRACE_MS, 0);
  const pollIntervalMs = positive("pollIntervalMs", options.pollIntervalMs, 1000, 1);
  const maxResends = positive("maxResends", options.maxResends, 2, 0);
  const signal = options.signal;
  const attemptOf = (job: Job) => {
    const n = Number(job.labels[CREATE_ATTEMPT_LABEL]);
    return job.labels[CREATE_KEY_LABEL] === key && Number.isInteger(n) ? n : undefined;
  };
  const channel: CreateChannel = {
    send: (attempt) =>
      client.run({ ...spec, labels: { ...spec.labels, [CREATE_KEY_LABEL]: key, [CREATE_ATTEMPT_LABEL]: String(attempt) } }, { signal }),
    find: (s) => client.list({ labels: { [CREATE_KEY_LABEL]: key }, namespace: spec.namespace, signal: s }).toArray(),
    attemptOf,
  };
  const outcome = await createOnce(channel, { firstAttempt: 1, graceMs, pollIntervalMs, maxResends, signal, stopSending: signal });
  if ("error" in outcome) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : outcome.error;
    throw outcome.error;
  }
  const extraJobs: ExtraJob[] = [];
  const keep = outcome.job.id;
  const seen = new Set([keep]);
  const handle = async (jobs: Job[]) => {
    for (const job of jobs) {
      if (seen.has(job.id)) continue;
      seen.add(job.id);
      extraJobs.push(await cancelExtra(client, job, attemptOf(job) ?? 0));
    }
  };
  await handle(outcome.extras);
  let unresolved = outcome.pending;
  if (unresolved.length > 0) unresolved = await watch(channel, outcome.sent, graceMs, pollIntervalMs, signal, handle, unresolved);
  return { job: outcome.job, key, recovered: outcome.recovered, sends: outcome.sent.length, extraJobs, unresolved };
}

/**
 * Lists by the key for `graceMs` more, handing every job of `sent` to `handle`; ends with one list
 * started after the window. Returns the attempts still unaccounted for when `signal` cut it short.
 */
async function watch(
  channel: CreateChannel,
  sent: number[],
  graceMs: number,
  pollIntervalMs: number,
  signal: AbortSignal | undefined,
  handle: (jobs: Job[]) => Promise<void>,
  pending: number[],
): Promise<number[]> {
  const open = new Set(pending);
  const deadline = Date.now() + graceMs;
  for (;;) {
    const startedAt = Date.now();
    try {
      const jobs = (await channel.find(signal)).filter((job) => sent.includes(channel.attemptOf(job) ?? Number.NaN));
      for (const job of jobs) open.delete(channel.attemptOf(job) ?? 0);
      await handle(jobs);
      if (open.size === 0 || startedAt >= deadline) return [];
    } catch {
      if (signal?.aborted) return [...open];
    }
    try {
      await sleep(Math.min(pollIntervalMs, Math.max(1, deadline - Date.now())), signal);
    } catch {
      return [...open];
    }
  }
}

/** Cancels an extra job (without any caller signal: it must not keep running because of an abort). */
export async function cancelExtra(client: Pick<CreateOnceClient, "cancel">, job: Job, attempt: number): Promise<ExtraJob> {
  if (isTerminal(job)) return { job, attempt, leftRunning: false };
  try {
    return { job: await client.cancel(`${job.namespace}/${job.id}`), attempt, leftRunning: false };
  } catch (error) {
    return { job, attempt, leftRunning: true, error: error instanceof Error ? error : new Error(String(error)) };
  }
}
