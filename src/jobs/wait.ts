/**
 * `client.wait()`, `waitAll()`, `waitAny()`: poll jobs until they reach a stage.
 *
 * One engine serves the three: each tick fetches the jobs still pending (one `inspect` per job,
 * concurrently with a bound, or one `list` pass for a label selector), reports stage changes,
 * checks for stalls and failures, then sleeps. The interval starts at `pollIntervalMs` and grows
 * by half each quiet tick up to `maxPollIntervalMs`; any stage change brings it back down.
 * Transient errors (network, timeouts, 429, 5xx) are retried at the next tick; 400, 401, 403,
 * 404 and a missing token are thrown at once; an answer the SDK cannot parse
 * (`ResponseValidationError`) is thrown on its third consecutive occurrence (per job, or per
 * `list` pass for a selector).
 * @module
 */
import type { JobsResource } from "./resource.js";
import { HfJobsError, JobFailedError, JobStalledError, ValidationError, WaitTimeoutError, abortError } from "../core/errors.js";
import { linkAbort } from "../core/abort.js";
import { ErrorBudget } from "../core/failures.js";
import { positive } from "../core/options.js";
import { sleep } from "../core/sleep.js";
import { isSuccess, isTerminal } from "./parse.js";
import { parseJobRef } from "../core/names.js";
import type { Job, JobStage } from "../types.js";

/** Options of {@link JobsClient.wait}. */
export interface WaitOptions {
  /** Namespace of bare job ids; default the client's. */
  namespace?: string;
  /**
   * Stage(s) to wait for; default any terminal stage (`COMPLETED`, `CANCELED`, `ERROR`,
   * `DELETED`). A terminal stage always ends the wait, since the job can no longer change.
   */
  until?: JobStage | readonly JobStage[];
  /** Give up after this long with a `WaitTimeoutError` (the job keeps running); default never. */
  timeoutMs?: number;
  /** First polling interval; default 1000 ms. */
  pollIntervalMs?: number;
  /** Cap of the polling interval, reached by steps of ×1.5 while nothing changes; default 10 000 ms. */
  maxPollIntervalMs?: number;
  /** Cancels the wait (not the job); rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Called when a job is first seen and after each change of its stage (once per change). */
  onStatus?: (job: Job, previousStage: JobStage | undefined) => void;
  /** Throw a `JobFailedError` when a job ends in a stage other than `COMPLETED`; default false. */
  throwOnFailure?: boolean;
  /**
   * Throw a `JobStalledError` when a job has been in `SCHEDULING` longer than this. The time is
   * the longer of what this wait observed and the service's `durations.totalSecs`.
   */
  maxSchedulingMs?: number;
  /** With `maxSchedulingMs`: cancel a stalled job before throwing; default false. */
  cancelOnStall?: boolean;
}

/** A group of jobs chosen by their labels (all must match), in one namespace. */
export interface JobSelector {
  /** Labels every job of the group carries. */
  labels: Record<string, string>;
  /** Namespace to list; default the client's. */
  namespace?: string;
}

/** What {@link WaitAllOptions.onProgress} receives. */
export interface WaitProgress {
  /** Jobs in the group. */
  total: number;
  /** Jobs that reached the awaited stage (or a terminal one). */
  done: number;
  /** The latest state of every job seen so far, in the group's order. */
  jobs: Job[];
}

/** Options of {@link JobsClient.waitAll} and {@link JobsClient.waitAny}. */
export interface WaitAllOptions extends WaitOptions {
  /** Most `inspect` requests in flight at once when waiting for ids; default 8. */
  concurrency?: number;
  /** Called after each tick in which some job changed stage. */
  onProgress?: (progress: WaitProgress) => void;
}

/** Job ids (`id` or `namespace/id`, namespaces may differ), or a label selector. */
export type JobGroup = readonly string[] | JobSelector;

/** Waits for one job; see {@link JobsClient.wait}. Resolves with the job in the awaited stage. */
export async function waitForJob(client: JobsResource, ref: string, options: WaitOptions = {}): Promise<Job> {
  if (typeof ref !== "string") throw new ValidationError("job", "expected a job id or namespace/jobId");
  const [job] = await poll(client, [ref], options, "any");
  return job as Job;
}

/**
 * Waits until every job of the group is in the awaited stage; see {@link JobsClient.waitAll}.
 * Resolves with the final jobs: in input order for ids (one entry per id given), in the order of
 * the last `list` pass (newest first) for a selector, `[]` if the selector matches no job.
 */
export function waitAll(client: JobsResource, group: JobGroup, options: WaitAllOptions = {}): Promise<Job[]> {
  return poll(client, group, options, "all");
}

/**
 * Waits until one job of the group is in the awaited stage and resolves with it (the first in
 * the group's order when several get there in the same tick); see {@link JobsClient.waitAny}.
 */
export async function waitAny(client: JobsResource, group: JobGroup, options: WaitAllOptions = {}): Promise<Job> {
  const [job] = await poll(client, group, options, "any");
  return job as Job;
}

interface Entry {
  /** `namespace/id`, or the job id for a selector. */
  key: string;
  job?: Job;
  done: boolean;
  /** Local time this wait first saw the job in `SCHEDULING`. */
  schedulingSince?: number;
  /** Consecutive unparseable answers about this job. */
  budget: ErrorBudget;
}

/** The stage as the service named it, so that `until` may name a stage added after this release. */
function stageName(job: Job): string {
  return job.status.rawStage ?? job.status.stage;
}

// The reason the wait's own controller aborts when its deadline passes.
const TIMED_OUT = Symbol("timed out");

async function poll(client: JobsResource, group: JobGroup, options: WaitAllOptions, mode: "all" | "any"): Promise<Job[]> {
  const settings = check(options);
  const selector = isSelector(group) ? group : undefined;
  const refs = selector ? [] : (group as readonly string[]);
  if (selector && (typeof selector.labels !== "object" || selector.labels === null || Object.keys(selector.labels).length === 0)) {
    // An empty selector would wait on every job of the namespace.
    throw new ValidationError("labels", "expected at least one label in the selector");
  }
  if (!selector) {
    if (!Array.isArray(refs) || refs.length === 0) throw new ValidationError("jobs", "expected job ids or a label selector");
    for (const ref of refs) parseJobRef(ref);
  }
  const controller = new AbortController();
  const unlink = linkAbort(options.signal, controller);
  const deadline =
    settings.timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(TIMED_OUT), settings.timeoutMs);
  const signal = controller.signal;
  const entries = new Map<string, Entry>();
  let order: string[] = []; // keys, in the group's order (repeated ids repeat)
  try {
    if (!selector) {
      for (const ref of refs) {
        const { namespace, id } = await client.context.ref(ref, options.namespace, signal);
        const key = `${namespace}/${id}`;
        order.push(key);
        if (!entries.has(key)) entries.set(key, { key, done: false, budget: new ErrorBudget() });
      }
    }
    let interval = settings.pollIntervalMs;
    const listBudget = new ErrorBudget();
    for (;;) {
      let seen: Array<[Entry, Job]> | undefined;
      if (selector) {
        const listed = await listTick(client, selector, signal, listBudget);
        if (listed) {
          // The group is what the last pass returned; a job that left it is no longer waited for.
          order = listed.map((job) => job.id);
          const previous = new Map(entries);
          entries.clear();
          seen = listed.map((job) => {
            const entry = previous.get(job.id) ?? { key: job.id, done: false, budget: new ErrorBudget() };
            entries.set(job.id, entry);
            return [entry, job];
          });
        }
      } else {
        const pending = [...entries.values()].filter((e) => !e.done);
        seen = await inspectTick(client, pending, settings.concurrency, signal);
      }
      let changed = false;
      for (const [entry, job] of seen ?? []) {
        if (entry.done) continue;
        const previous = entry.job && stageName(entry.job);
        entry.job = job;
        const stage = stageName(job);
        if (stage !== previous) {
          changed = true;
          options.onStatus?.(job, previous);
        }
        if (stage === "SCHEDULING") entry.schedulingSince ??= Date.now();
        else entry.schedulingSince = undefined;
        if (isTerminal(job) || settings.until.has(stage)) {
          entry.done = true;
          if (settings.throwOnFailure && isTerminal(job) && !isSuccess(job)) throw new JobFailedError(job);
        }
      }
      await checkStalls(client, entries, settings, signal);
      const list = order.map((key) => entries.get(key)).filter((e): e is Entry => e !== undefined);
      if (changed && options.onProgress) {
        options.onProgress({
          total: list.length,
          done: list.filter((e) => e.done).length,
          jobs: list.flatMap((e) => (e.job ? [e.job] : [])),
        });
      }
      if (mode === "any") {
        const first = list.find((e) => e.done);
        if (first?.job) return [first.job];
        if (selector && seen && list.length === 0) {
          throw new HfJobsError(`waitAny: no job carries the labels ${JSON.stringify(selector.labels)}`);
        }
      } else if (seen !== undefined || !selector) {
        if (list.every((e) => e.done)) return list.map((e) => e.job as Job);
      }
      interval = changed ? settings.pollIntervalMs : Math.min(Math.round(interval * 1.5), settings.maxPollIntervalMs);
      await sleep(interval, signal);
    }
  } catch (error) {
    if (options.signal?.aborted) throw abortError(options.signal);
    if (signal.reason === TIMED_OUT) {
      const pending = [...entries.values()].filter((e) => !e.done);
      const last = pending[0]?.job;
      throw new WaitTimeoutError(
        pending.length <= 1
          ? `Job ${last?.id ?? pending[0]?.key ?? "?"} did not reach ${describe(settings)} within ${settings.timeoutMs} ms (last stage: ${last?.status.stage ?? "unknown"})`
          : `${pending.length} jobs did not reach ${describe(settings)} within ${settings.timeoutMs} ms`,
        last,
      );
    }
    throw error;
  } finally {
    if (deadline !== undefined) clearTimeout(deadline);
    unlink();
    controller.abort(); // requests of an unfinished tick
  }
}

interface Settings {
  until: ReadonlySet<string>;
  timeoutMs: number | undefined;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  throwOnFailure: boolean;
  maxSchedulingMs: number | undefined;
  cancelOnStall: boolean;
  concurrency: number;
}

function check(options: WaitAllOptions): Settings {
  const until = options.until === undefined ? [] : typeof options.until === "string" ? [options.until] : [...options.until];
  for (const stage of until) {
    if (typeof stage !== "string" || stage.trim() === "") throw new ValidationError("until", "expected stage names");
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ValidationError("concurrency", "expected a positive integer");
  const pollIntervalMs = positive("pollIntervalMs", options.pollIntervalMs, 1000);
  return {
    until: new Set(until.map((stage) => stage.toUpperCase())),
    timeoutMs: options.timeoutMs === undefined ? undefined : positive("timeoutMs", options.timeoutMs, 0),
    pollIntervalMs,
    maxPollIntervalMs: Math.max(pollIntervalMs, positive("maxPollIntervalMs", options.maxPollIntervalMs, 10_000)),
    throwOnFailure: options.throwOnFailure === true,
    maxSchedulingMs: options.maxSchedulingMs === undefined ? undefined : positive("maxSchedulingMs", options.maxSchedulingMs, 0),
    cancelOnStall: options.cancelOnStall === true,
    concurrency,
  };
}

function describe(settings: Settings): string {
  return settings.until.size === 0 ? "a terminal stage" : [...settings.until].join(" or ");
}

function isSelector(group: JobGroup): group is JobSelector {
  return !Array.isArray(group) && typeof group === "object" && group !== null && "labels" in group;
}

/** One `list` pass for the whole group; `undefined` when it failed transiently. */
async function listTick(
  client: JobsResource,
  selector: JobSelector,
  signal: AbortSignal,
  budget: ErrorBudget,
): Promise<Job[] | undefined> {
  try {
    const jobs = await client.list({ labels: selector.labels, namespace: selector.namespace, signal }).toArray();
    budget.ok();
    return jobs;
  } catch (error) {
    if (budget.fatal(error)) throw error;
    return undefined;
  }
}

/** Inspects the pending jobs, at most `concurrency` at a time; skips the ones that failed transiently. */
async function inspectTick(
  client: JobsResource,
  pending: Entry[],
  concurrency: number,
  signal: AbortSignal,
): Promise<Array<[Entry, Job]>> {
  const jobs: Array<Job | undefined> = new Array(pending.length);
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const index = next++;
      const entry = pending[index] as Entry;
      try {
        jobs[index] = await client.inspect(entry.key, { signal });
        entry.budget.ok();
      } catch (error) {
        if (entry.budget.fatal(error)) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
  // In the group's order, whatever order the answers came in.
  return pending.flatMap((entry, index): Array<[Entry, Job]> => {
    const job = jobs[index];
    return job ? [[entry, job]] : [];
  });
}

/** Throws a `JobStalledError` for the first job in `SCHEDULING` for too long (cancelling it if asked). */
async function checkStalls(client: JobsResource, entries: Map<string, Entry>, settings: Settings, signal: AbortSignal): Promise<void> {
  if (settings.maxSchedulingMs === undefined) return;
  const now = Date.now();
  for (const entry of entries.values()) {
    const job = entry.job;
    if (entry.done || !job || job.status.stage !== "SCHEDULING") continue;
    const observed = entry.schedulingSince === undefined ? 0 : now - entry.schedulingSince;
    const waited = Math.max(observed, (job.durations.totalSecs ?? 0) * 1000);
    if (waited <= settings.maxSchedulingMs) continue;
    let canceled = false;
    if (settings.cancelOnStall) {
      try {
        await client.cancel(`${job.namespace}/${job.id}`, { signal });
        canceled = true;
      } catch (error) {
        if (signal.aborted) throw error;
      }
    }
    throw new JobStalledError(job, waited, canceled);
  }
}
