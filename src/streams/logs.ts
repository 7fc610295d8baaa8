/**
 * `client.logs()`: a job's log lines as an async iterable, as a snapshot or followed to the end of
 * the job across dropped connections, with every line delivered exactly once. The connections,
 * status checks and reconnections are the engine's (`engine.ts`); what is particular to logs is
 * the request (`tail` on the first connection) and the replay cursor (`replay-cursor.ts`), which
 * skips what a reconnection replays.
 * @module
 */
import { ValidationError } from "../core/errors.js";
import type { JobsResource } from "../jobs/resource.js";
import { parseJobRef } from "../core/names.js";
import { positive } from "../core/options.js";
import {
  DEFAULT_DEAD_CONNECTION_MS,
  type JobStream,
  type JobStreamOptions,
  jobStream,
  openJobStream,
  reconnectPolicy,
} from "./engine.js";
import type { LogLine } from "./log-line.js";
import { ReplayCursor } from "./replay-cursor.js";
import { MAX_EVENT_CHARS } from "./sse.js";

export type { JobStream, JobStreamOptions, ReconnectOptions } from "./engine.js";
export type { LogLine } from "./log-line.js";

/** Options of {@link JobsClient.logs}. */
export interface LogsOptions extends JobStreamOptions {
  /** Keep streaming until the job is terminal and its lines are drained; default `false` (snapshot). */
  follow?: boolean;
  /** Start with the last `tail` lines instead of the whole log (first connection only). */
  tail?: number;
  /** Snapshot: silence (no line; keep-alives do not count) that ends it; default 5000 ms. */
  idleTimeoutMs?: number;
  /** Follow: silence after which the job's stage is checked; default 2000 ms, doubling while nothing happens. */
  statusCheckMs?: number;
  /** Follow: cap of the status-check interval; default 30 000 ms (many quiet follows must not hammer the API). */
  maxStatusCheckMs?: number;
  /** Follow: once the job is terminal, silence after which the stream ends; default 1000 ms. */
  drainMs?: number;
  /**
   * Longest line accepted, in characters (UTF-16 code units) of the SSE event that carries it (the
   * line JSON-escaped, plus its timestamp: about 60 more); default 1 048 576. A longer one ends the
   * stream with a `ResponseValidationError`: memory stays bounded whatever the server sends.
   */
  maxLineChars?: number;
}

/**
 * The lines of a job's log; `job` is set once a follow has ended because the job finished.
 *
 * ```ts
 * const stream = client.logs(job.id, { follow: true });
 * for await (const line of stream) console.log(line.text);
 * console.log(stream.job?.status.stage); // "COMPLETED", "ERROR", ...
 * ```
 */
export interface LogStream extends JobStream<LogLine> {}

/** Streams the log of a job; see {@link JobsClient.logs}. Invalid options throw at once. */
export function streamLogs(client: JobsResource, ref: string, options: LogsOptions = {}): LogStream {
  parseJobRef(ref); // a bad reference throws here, not at the first `next()`
  const tail = options.tail;
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
    throw new ValidationError("tail", "expected a non-negative integer");
  }
  const maxLineChars = options.maxLineChars ?? MAX_EVENT_CHARS;
  if (!Number.isInteger(maxLineChars) || maxLineChars <= 0) {
    throw new ValidationError("maxLineChars", "expected a positive integer");
  }
  const settings = {
    follow: options.follow === true,
    idleTimeoutMs: positive("idleTimeoutMs", options.idleTimeoutMs, 5000),
    statusCheckMs: positive("statusCheckMs", options.statusCheckMs, 2000),
    maxStatusCheckMs: positive("maxStatusCheckMs", options.maxStatusCheckMs, 30_000),
    drainMs: positive("drainMs", options.drainMs, 1000),
    deadConnectionMs: positive("deadConnectionMs", options.deadConnectionMs, DEFAULT_DEAD_CONNECTION_MS),
    maxEventChars: maxLineChars,
    reconnect: reconnectPolicy(options.reconnect),
  };
  return jobStream<LogLine>(client, ref, "/logs", options, settings, (core, path) => {
    const cursor = new ReplayCursor(tail);
    return {
      open: (signal) => openJobStream(core, path, signal, { query: cursor.query() }),
      begin: () => cursor.begin(),
      take: (events) => cursor.take(events),
      resync: () => cursor.resync,
    };
  });
}
