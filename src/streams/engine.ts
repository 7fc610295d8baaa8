/**
 * The reconnecting job-stream engine behind `logs()` and `metrics()`: it opens a connection, reads
 * its events, looks at the job when the stream goes quiet, and replaces a connection that drops,
 * closes or goes dead, with one backoff and one failure budget for both streams. What differs
 * between the two is passed in as {@link StreamParts}: the request, how events become items, and
 * how the items already delivered are skipped on a replay.
 *
 * A connection ends in one of five ways, and each one is handled the same for every stream:
 * - `done`: the stream is over (silence on a connection that ends on silence);
 * - `end`: the server closed the body. Over when the job is terminal; otherwise a reconnection,
 *   not counted as a failure when the job is known to be running (the service and proxies close
 *   quiet streams), counted when its status could not be read;
 * - `error`: it could not be opened, answered 2xx without a body, broke, or sent nothing at all
 *   for `deadConnectionMs`: a failure;
 * - `resync`: the replay cursor asks for another connection to find its place (not a failure).
 * `maxReconnects + 1` consecutive failures without a new item end the stream with a
 * `ConnectionError`; a new item resets the count.
 * @internal
 * @module
 */
import { linkAbort } from "../core/abort.js";
import type { ClientContext } from "../core/context.js";
import {
  ConnectionError,
  ValidationError,
} from "../core/errors.js";
import { type RetryPolicy, backoffMs } from "../core/retry.js";
import { sleep } from "../core/sleep.js";
import type { HttpRequest } from "../core/transport.js";
import { isTerminal } from "../jobs/parse.js";
import type { Job } from "../types.js";
import type { JobsResource } from "../jobs/resource.js";
import { BatchStream } from "./batch-stream.js";
import { type SseEnd, type SseEvent, readSse } from "./sse.js";
import { ErrorBudget, isPermanentError } from "../core/failures.js";
import { positive } from "../core/options.js";

/** Reconnection tuning of a followed stream (logs, metrics). */
export interface ReconnectOptions {
  /** Consecutive failed connections tolerated before a `ConnectionError`; default 5. */
  maxReconnects?: number;
  /** Delay before the first reconnection, doubled each time (minus up to 25 % of jitter); default 1000 ms. */
  baseDelayMs?: number;
  /** Cap of one delay; default 10 000 ms (so about 1, 2, 4, 8, 10 s). */
  maxDelayMs?: number;
}

/** Options that every followed job stream takes: `logs()` and `metrics()`. */
export interface JobStreamOptions {
  /** Stops the stream; the pending `next()` rejects with an `AbortError` and the connection closes. */
  signal?: AbortSignal;
  /** Namespace of the job, when the reference is a bare id; default the client's. */
  namespace?: string;
  /** While following: no byte at all (keep-alives included) for this long means a dead connection; default 120 000 ms. */
  deadConnectionMs?: number;
  /** Reconnection backoff and limit, after a dropped or dead connection (defaults 1, 2, 4, 8, 10 s; 5 failures). */
  reconnect?: ReconnectOptions;
}

/** Default of {@link JobStreamOptions.deadConnectionMs}. @internal */
export const DEFAULT_DEAD_CONNECTION_MS = 120_000;

/**
 * A followed job stream: iterate it once with `for await`; `break` or `close()` closes the
 * connection. After it ended because the job is terminal, `job` holds the job's final state.
 */
export interface JobStream<T> extends AsyncIterable<T> {
  /** The job in its final state, once the stream has ended because the job is terminal. */
  readonly job: Job | undefined;
  /** Stops the stream and closes its connection; a pending `next()` resolves as done. */
  close(): Promise<void>;
}

/** Reconnection settings of a followed stream, defaults applied. */
export interface ReconnectPolicy {
  /** Consecutive failed connections tolerated before giving up. */
  maxReconnects: number;
  /** First delay, doubled on each consecutive attempt. */
  baseDelayMs: number;
  /** Cap of one delay. */
  maxDelayMs: number;
}

/** Defaults of the Python client: 1, 2, 4, 8, 10 s, then give up. */
export const DEFAULT_RECONNECT: ReconnectPolicy = { maxReconnects: 5, baseDelayMs: 1000, maxDelayMs: 10_000 };

/** Fills the reconnection defaults; rejects nonsense values. */
export function reconnectPolicy(options: ReconnectOptions | undefined): ReconnectPolicy {
  const max = options?.maxReconnects ?? DEFAULT_RECONNECT.maxReconnects;
  if (!Number.isInteger(max) || max < 0) throw new ValidationError("reconnect.maxReconnects", "expected a non-negative integer");
  return {
    maxReconnects: max,
    baseDelayMs: positive("reconnect.baseDelayMs", options?.baseDelayMs, DEFAULT_RECONNECT.baseDelayMs),
    maxDelayMs: positive("reconnect.maxDelayMs", options?.maxDelayMs, DEFAULT_RECONNECT.maxDelayMs),
  };
}


/** The error thrown when a stream gives up reconnecting; keeps the last failure as `cause`. */
function gaveUp(what: string, attempts: number, last: unknown): ConnectionError {
  const detail = last instanceof Error ? last.message : String(last);
  return new ConnectionError(`${what}: gave up after ${attempts} failed connections (last: ${detail})`, { cause: last });
}

/** Opens one connection of a followed job stream (logs, metrics): typed errors, 404 as job-not-found. */
export function openJobStream(
  core: ClientContext,
  path: string,
  signal: AbortSignal,
  extra: Pick<HttpRequest, "query" | "noRetryStatuses"> = {},
): Promise<Response> {
  return core.transport.stream({
    method: "GET",
    path,
    // One request per connection: the engine's reconnections are the retries, counted once.
    retry: "none",
    jobUrl: true,
    accept: "text/event-stream",
    signal,
    ...extra,
  });
}

/** What differs between the streams the engine follows. */
export interface StreamParts<T> {
  /** Names the stream in errors, e.g. `GET /api/jobs/ns/id/logs`. */
  label: string;
  /** Opens one connection (a new one per call). */
  open(signal: AbortSignal): Promise<Response>;
  /** Called once a connection is open, before its first event. */
  begin?(): void;
  /** The items of a batch of events that the caller has not had yet. */
  take(events: SseEvent[]): T[];
  /** After `take`: whether the connection must be replaced for the stream to find its place. */
  resync?(): boolean;
  /** Whether an error opening a connection may mean that the job is over (checked before it counts). */
  mayMeanOver?(error: unknown): boolean;
  /** The job as it is now (an `inspect`). */
  inspect(signal: AbortSignal): Promise<Job>;
}

/** What a stream passes to {@link jobStream}: its parts, less the label and the job look-up. */
export type JobStreamParts<T> = Omit<StreamParts<T>, "label" | "inspect">;

/**
 * The followed stream of one job's `suffix` route (`/logs`, `/metrics`): resolves the reference
 * when first pulled, then follows it with the parts `partsFor` builds for that path; `job` is set
 * once the stream has ended because the job is terminal.
 */
export function jobStream<T>(
  client: JobsResource,
  ref: string,
  suffix: string,
  options: JobStreamOptions,
  settings: StreamSettings,
  partsFor: (core: ClientContext, path: string) => JobStreamParts<T>,
): JobStream<T> {
  return new BatchStream<T>(async function* (stream, stop) {
    const core = client.context;
    const job = await core.ref(ref, options.namespace, stop);
    const path = core.jobPath(job, suffix);
    const parts: StreamParts<T> = {
      label: `GET ${path}`,
      ...partsFor(core, path),
      inspect: (signal) => client.inspect(`${job.namespace}/${job.id}`, { signal }),
    };
    yield* followJobStream<T>(parts, settings, stop, (final) => {
      stream.job = final;
    });
  }, options.signal);
}

/** The windows and limits of a followed stream, defaults applied. */
export interface StreamSettings {
  /** `false`: a snapshot, which ends on `idleTimeoutMs` without an item, or when the server closes. */
  follow: boolean;
  /** Snapshot: silence (no item) that ends it. */
  idleTimeoutMs: number;
  /** Follow: silence after which the job is looked up; doubled while nothing happens. */
  statusCheckMs: number;
  /** Follow: cap of that interval. */
  maxStatusCheckMs: number;
  /** Follow: once the job is terminal, silence that ends the stream; `undefined` ends it at once. */
  drainMs: number | undefined;
  /** Follow: no byte at all for this long is a dead connection. */
  deadConnectionMs: number;
  /** Characters one event may hold. */
  maxEventChars: number;
  /** Backoff and failure budget. */
  reconnect: ReconnectPolicy;
}

type Outcome = SseEnd | "error" | "done" | "resync";

/**
 * Follows one job stream to its end; yields one batch of items per network chunk. `onJob` gets the
 * job once it is seen terminal (the stream's `job`).
 */
export async function* followJobStream<T>(
  parts: StreamParts<T>,
  s: StreamSettings,
  stop: AbortSignal,
  onJob: (job: Job) => void,
): AsyncGenerator<T[], void, undefined> {
  const policy: RetryPolicy = {
    maxRetries: s.reconnect.maxReconnects,
    baseDelayMs: s.reconnect.baseDelayMs,
    maxDelayMs: s.reconnect.maxDelayMs,
    maxRetryAfterMs: s.reconnect.maxDelayMs,
  };
  const checks = new ErrorBudget();
  /** The job, or `undefined` when it could not be read this time (a transient failure). */
  const status = async (): Promise<Job | undefined> => {
    try {
      const job = await parts.inspect(stop);
      checks.ok();
      return job;
    } catch (error) {
      if (checks.fatal(error)) throw error;
      return undefined;
    }
  };
  let terminal: Job | undefined; // the job, once seen terminal: only draining remains
  const over = (job: Job | undefined): boolean => {
    if (job && isTerminal(job)) {
      terminal = job;
      onJob(job);
    }
    return terminal !== undefined;
  };
  let failures = 0; // consecutive connections that failed without a new item
  let attempt = 0; // consecutive reconnections without a new item (backoff step)
  let skipDelay = false;
  const fail = (error: unknown): void => {
    if (++failures > s.reconnect.maxReconnects) throw gaveUp(parts.label, failures, error);
  };
  for (let first = true; ; first = false) {
    if (!first && !skipDelay) await sleep(backoffMs(attempt++, policy), stop);
    skipDelay = false;
    const connection = new AbortController();
    const unlink = linkAbort(stop, connection);
    let outcome: Outcome = "end";
    let failure: unknown;
    try {
      let response: Response;
      try {
        response = await parts.open(connection.signal);
      } catch (error) {
        if (isPermanentError(error) || stop.aborted) throw error;
        if (s.follow && !terminal && parts.mayMeanOver?.(error) && over(await status()) && s.drainMs === undefined) return;
        fail(error);
        continue;
      }
      if (!response.body) {
        outcome = "error";
        failure = new ConnectionError(`${parts.label}: the server answered ${response.status} without a body`);
      } else {
        parts.begin?.();
        // A snapshot, or a last read of a finished job, ends on silence; a follow checks the job.
        const ending = !s.follow || terminal !== undefined;
        const endWindow = s.follow ? (s.drainMs ?? s.idleTimeoutMs) : s.idleTimeoutMs;
        let statusEvery = s.statusCheckMs;
        const quiet = () => (ending ? endWindow : terminal ? (s.drainMs ?? s.idleTimeoutMs) : statusEvery);
        const events = readSse(response.body, {
          idleTimeoutMs: ending ? endWindow : s.deadConnectionMs,
          quietMs: quiet(),
          maxEventChars: s.maxEventChars,
        });
        try {
          for (;;) {
            const next = await events.next(quiet());
            if (next.done) {
              // Silence on a connection that ends on silence is its normal end.
              outcome = ending && next.value === "idle" ? "done" : next.value;
              if (outcome === "idle") failure = new ConnectionError(`${parts.label}: no data for ${s.deadConnectionMs} ms`);
              // Closed before a single byte (not even a keep-alive): as good as no body, whatever
              // the job's stage, so it counts as a failed connection rather than a clean close.
              if (outcome === "empty") {
                failure = new ConnectionError(`${parts.label}: the server closed the stream without sending anything`);
              }
              break;
            }
            if (next.value.length === 0) {
              if (ending || terminal) {
                outcome = "done";
                break;
              }
              if (over(await status())) {
                if (s.drainMs === undefined) return;
              } else statusEvery = Math.min(statusEvery * 2, s.maxStatusCheckMs);
              continue;
            }
            const items = parts.take(next.value);
            if (items.length > 0) {
              failures = 0;
              attempt = 0;
              statusEvery = s.statusCheckMs;
              yield items;
            }
            if (parts.resync?.()) {
              outcome = "resync";
              break;
            }
          }
        } catch (error) {
          if (stop.aborted || isPermanentError(error)) throw error;
          outcome = "error";
          failure = error;
        } finally {
          await events.return("end");
        }
      }
    } finally {
      unlink();
      connection.abort();
    }
    const closed = outcome === "end" || outcome === "empty";
    if (outcome === "done" || (closed && terminal)) return;
    if (outcome === "resync") {
      skipDelay = true;
      continue;
    }
    if (!s.follow && closed) return; // a snapshot ends when the server closes
    if (s.follow && !terminal) {
      const job = await status();
      if (over(job)) {
        // The server closed a finished job's stream: nothing is left. Nor is there anything to
        // drain for a stream that ends with its job.
        if (closed || s.drainMs === undefined) return;
      } else if (!job && outcome === "end") {
        // Clean closes while the status cannot be read must not loop forever.
        fail(new ConnectionError(`${parts.label}: the server closed the stream and the job's status could not be read`));
      }
    }
    // Dropped, dead or bodiless: reconnect (to drain the rest, when the job is already finished).
    if (outcome !== "end") fail(failure);
  }
}
