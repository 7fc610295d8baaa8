/**
 * `client.logs()`: a job's log lines as an async iterable, as a snapshot or followed to the end of
 * the job across dropped connections, with every line delivered exactly once.
 *
 * How a follow works (see docs/streams.md): the service never says that a log is over, so when
 * no line arrives for a short while the job is looked up; once it is terminal the stream is read
 * until a short drain window passes. A connection that drops or goes silent (no byte, not even a
 * keep-alive) is replaced while the job runs; the service replays the log from the start, and the
 * lines already delivered are skipped by counting events.
 * @module
 */
import type { JobsResource } from "../jobs/resource.js";
import { ValidationError } from "../core/errors.js";
import { BatchStream } from "./batch-stream.js";
import { type LogLine, toLogLine } from "./log-line.js";
import {
  type ReconnectOptions,
  type ReconnectPolicy,
  ErrorBudget,
  gaveUp,
  isPermanentError,
  openJobStream,
  positive,
  reconnectDelayMs,
  reconnectPolicy,
} from "./engine.js";
import { linkAbort } from "../core/abort.js";
import { sleep } from "../core/sleep.js";
import { type SseEnd, type SseEvent, readSse } from "./sse.js";
import { isTerminal } from "../jobs/parse.js";
import { parseJobRef } from "../jobs/spec.js";
import type { Job } from "../types.js";

export type { ReconnectOptions } from "./engine.js";
export type { LogLine } from "./log-line.js";

/** Options of {@link JobsClient.logs}. */
export interface LogsOptions {
  /** Keep streaming until the job is terminal and its lines are drained; default `false` (snapshot). */
  follow?: boolean;
  /** Start with the last `tail` lines instead of the whole log (first connection only). */
  tail?: number;
  /** Stops the stream; the pending `next()` rejects with an `AbortError` and the connection closes. */
  signal?: AbortSignal;
  /** Namespace of the job, when the reference is a bare id; default the client's. */
  namespace?: string;
  /** Snapshot: silence (no line; keep-alives do not count) that ends it; default 5000 ms. Also ends the last read of a finished job. */
  idleTimeoutMs?: number;
  /** Follow: silence after which the job's stage is checked; default 2000 ms, doubling while nothing happens. */
  statusCheckMs?: number;
  /** Follow: cap of the status-check interval; default 30 000 ms (many quiet follows must not hammer the API). */
  maxStatusCheckMs?: number;
  /** Follow: once the job is terminal, silence after which the stream ends; default 1000 ms. */
  drainMs?: number;
  /** Follow: no byte at all (keep-alives included) for this long means a dead connection; default 120 000 ms. */
  deadConnectionMs?: number;
  /** Reconnection backoff and limit, after a dropped or dead connection (defaults 1, 2, 4, 8, 10 s; 5 failures). */
  reconnect?: ReconnectOptions;
}

/**
 * The lines of a job's log. Iterate it once with `for await`; `break` or `close()` closes the
 * connection. After a follow that ended because the job finished, `job` holds its final state.
 *
 * ```ts
 * const stream = client.logs(job.id, { follow: true });
 * for await (const line of stream) console.log(line.text);
 * console.log(stream.job?.status.stage); // "COMPLETED", "ERROR", ...
 * ```
 */
export interface LogStream extends AsyncIterable<LogLine> {
  /** The job in its final state, once a follow has ended because the job is terminal. */
  readonly job: Job | undefined;
  /** Stops the stream and closes its connection; a pending `next()` resolves as done. */
  close(): Promise<void>;
}

interface Settings {
  follow: boolean;
  tail: number | undefined;
  namespace: string | undefined;
  idleTimeoutMs: number;
  statusCheckMs: number;
  maxStatusCheckMs: number;
  drainMs: number;
  deadConnectionMs: number;
  reconnect: ReconnectPolicy;
}

/** Streams the log of a job; see {@link JobsClient.logs}. Invalid options throw at once. */
export function streamLogs(client: JobsResource, ref: string, options: LogsOptions = {}): LogStream {
  parseJobRef(ref); // a bad reference throws here, not at the first `next()`
  const tail = options.tail;
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
    throw new ValidationError("tail", "expected a non-negative integer");
  }
  const settings: Settings = {
    follow: options.follow === true,
    tail,
    namespace: options.namespace,
    idleTimeoutMs: positive("idleTimeoutMs", options.idleTimeoutMs, 5000),
    statusCheckMs: positive("statusCheckMs", options.statusCheckMs, 2000),
    maxStatusCheckMs: positive("maxStatusCheckMs", options.maxStatusCheckMs, 30_000),
    drainMs: positive("drainMs", options.drainMs, 1000),
    deadConnectionMs: positive("deadConnectionMs", options.deadConnectionMs, 120_000),
    reconnect: reconnectPolicy(options.reconnect),
  };
  return new BatchStream<LogLine>((stream, stop) => produce(client, ref, settings, stream, stop), options.signal);
}

/** How one connection ended. `done`: the stream is over (snapshot silence, or drained). */
type Outcome = SseEnd | "error" | "done";

/**
 * The whole life of a log stream: connections, status checks, reconnections. Yields one batch
 * of lines per network chunk.
 */
async function* produce(
  client: JobsResource,
  refText: string,
  s: Settings,
  stream: BatchStream<LogLine>,
  stop: AbortSignal,
): AsyncGenerator<LogLine[], void, undefined> {
  const core = client.context;
  const ref = await core.ref(refText, s.namespace, stop);
  const path = core.jobPath(ref, "/logs");
  const cursor = new ReplayCursor(s.tail);
  const checks = new ErrorBudget();
  const inspect = async (): Promise<Job | undefined> => {
    try {
      const job = await client.inspect(`${ref.namespace}/${ref.id}`, { signal: stop });
      checks.ok();
      return job;
    } catch (error) {
      if (checks.fatal(error)) throw error;
      return undefined; // transient: the next check will tell
    }
  };
  let terminal: Job | undefined; // the job, once seen terminal: only draining remains
  let failures = 0; // consecutive connections that failed without a new line
  let attempt = 0; // consecutive reconnections without a new line (backoff step)
  let lastError: unknown;
  for (let first = true; ; first = false) {
    if (!first) await sleep(reconnectDelayMs(attempt++, s.reconnect), stop);
    const connection = new AbortController();
    const unlink = linkAbort(stop, connection);
    let outcome: Outcome;
    try {
      let response: Response;
      try {
        response = await openJobStream(core, path, connection.signal, { query: cursor.query() });
      } catch (error) {
        if (isPermanentError(error) || stop.aborted) throw error;
        lastError = error;
        if (++failures > s.reconnect.maxReconnects) throw gaveUp(`GET ${path}`, failures, error);
        continue;
      }
      cursor.begin();
      // A snapshot, or a last read of a finished job, ends on silence; a follow checks the job.
      const ending = !s.follow || terminal !== undefined;
      // A follow that reconnects to a finished job only drains what is left: the short window.
      const endWindow = s.follow ? s.drainMs : s.idleTimeoutMs;
      let statusEvery = s.statusCheckMs;
      const quiet = () => (ending ? endWindow : terminal ? s.drainMs : statusEvery);
      const events = response.body
        ? readSse(response.body, { idleTimeoutMs: ending ? endWindow : s.deadConnectionMs, quietMs: quiet() })
        : undefined;
      try {
        outcome = "end";
        while (events) {
          const next = await events.next(quiet());
          if (next.done) {
            // Silence on a connection that ends on silence is its normal end.
            outcome = ending && next.value === "idle" ? "done" : next.value;
            break;
          }
          if (next.value.length === 0) {
            if (ending || terminal) {
              outcome = "done";
              break;
            }
            const job = await inspect();
            if (job && isTerminal(job)) terminal = job;
            else statusEvery = Math.min(statusEvery * 2, s.maxStatusCheckMs);
            continue;
          }
          const lines = cursor.take(next.value);
          if (lines.length > 0) {
            failures = 0;
            attempt = 0;
            statusEvery = s.statusCheckMs;
            yield lines;
          }
        }
      } catch (error) {
        if (stop.aborted || isPermanentError(error)) throw error;
        outcome = "error";
        lastError = error;
      } finally {
        await events?.return("end");
      }
    } finally {
      unlink();
      connection.abort();
    }
    if (outcome === "done" || (outcome === "end" && terminal)) break;
    if (!s.follow && outcome !== "error") return; // a snapshot ends when the server goes quiet or closes
    if (s.follow && !terminal) {
      const job = await inspect();
      if (job && isTerminal(job)) {
        terminal = job;
        if (outcome === "end") break; // the server closed a finished job's log: nothing is left
      } else if (!job && outcome === "end" && ++failures > s.reconnect.maxReconnects) {
        // Clean closes while the status cannot be read must not loop forever.
        throw gaveUp(`GET ${path}`, failures, lastError);
      }
    }
    // Dropped or dead: reconnect (to drain the rest, when the job is already finished).
    if (outcome !== "end" && ++failures > s.reconnect.maxReconnects) throw gaveUp(`GET ${path}`, failures, lastError);
  }
  stream.job = terminal;
}

const JOB_STARTED = "===== Job started";

/**
 * Where the caller is in the log, so that a reconnection (which replays the log from the start)
 * delivers every line once. Events are counted, the `Job started` line included, as in the Python
 * client. A `tail` connection does not start at the beginning, so its position is unknown: the
 * next connection (sent without `tail`, which would shift) skips the replay up to the last line
 * delivered, found by its raw event (text and timestamp), or stops skipping at the first event
 * stamped later than it.
 * @internal
 */
export class ReplayCursor {
  readonly #tail: number | undefined;
  /** Whether positions count from the start of the log (no `tail` involved, or re-anchored). */
  #absolute: boolean;
  /** Events consumed, counted from the start of the log (when absolute). */
  #position = 0;
  /** The last event delivered on a `tail` connection, and how many identical ones ended it. */
  #lastRaw: string | undefined;
  #lastRun = 0;
  #lastLine: LogLine | undefined;
  /** Per connection. */
  #tailed = false;
  #index = 0;
  #skip = 0;
  #seeking = false;
  #seekRun = 0;
  #seekMs: number | undefined;

  constructor(tail: number | undefined) {
    this.#tail = tail;
    this.#absolute = tail === undefined;
  }

  /** The query of the next connection: `tail` only while nothing could anchor a replay. */
  query(): Array<[string, string]> | undefined {
    this.#tailed = this.#tail !== undefined && !this.#absolute && this.#lastRaw === undefined;
    return this.#tailed ? [["tail", String(this.#tail)]] : undefined;
  }

  /** A new connection starts (after `query()`). */
  begin(): void {
    this.#index = 0;
    this.#skip = this.#absolute ? this.#position : 0;
    this.#seeking = !this.#tailed && !this.#absolute;
    this.#seekRun = 0;
    this.#seekMs = this.#lastLine?.timestamp?.getTime();
  }

  /** The lines of a batch of events that the caller has not seen yet. */
  take(events: SseEvent[]): LogLine[] {
    const out: LogLine[] = [];
    for (let k = 0; k < events.length; k++) {
      const data = (events[k] as SseEvent).data;
      const i = this.#index++;
      if (i < this.#skip) continue;
      if (this.#seeking && !this.#passed(data, i)) continue;
      const line = toLogLine(data);
      if (this.#absolute) this.#position = i + 1;
      const jobStarted = i === 0 && line !== undefined && line.text.startsWith(JOB_STARTED);
      if (!this.#absolute && !jobStarted) {
        if (data === this.#lastRaw) this.#lastRun++;
        else {
          this.#lastRaw = data;
          this.#lastRun = 1;
        }
        this.#lastLine = line;
      }
      if (line !== undefined && !jobStarted) out.push(line);
    }
    return out;
  }

  /** Seeking the last delivered event in a replay: whether event `i` is new to the caller. */
  #passed(data: string, i: number): boolean {
    if (data === this.#lastRaw) {
      if (++this.#seekRun >= this.#lastRun) this.#anchor(i + 1);
      return false; // the anchor itself was delivered already
    }
    this.#seekRun = 0;
    if (this.#seekMs !== undefined) {
      const ms = toLogLine(data)?.timestamp?.getTime();
      if (ms !== undefined && ms > this.#seekMs) {
        this.#anchor(i);
        return true;
      }
    }
    return false;
  }

  #anchor(position: number): void {
    this.#seeking = false;
    this.#absolute = true;
    this.#position = position;
  }
}
