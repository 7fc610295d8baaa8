/**
 * What the log stream, the metrics stream and the waits share: telling permanent errors from
 * transient ones, linking abort signals without leaking listeners, and bounded backoff.
 * @internal
 * @module
 */
import type { ClientContext } from "../core/context.js";
import type { HttpRequest } from "../core/transport.js";
import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  MissingTokenError,
  NotFoundError,
  PermissionDeniedError,
  ResponseValidationError,
  ValidationError,
  isAbortError,
} from "../core/errors.js";

/**
 * Errors that another attempt cannot fix: 400, 401, 403, 404, invalid input and a missing token.
 * Everything else (network, timeouts, 429, 5xx) may pass, so it is retried. A 2xx answer the SDK
 * cannot understand (`ResponseValidationError`) is neither: see {@link ErrorBudget}.
 */
export function isPermanentError(error: unknown): boolean {
  return (
    error instanceof MissingTokenError ||
    error instanceof AuthenticationError ||
    error instanceof PermissionDeniedError ||
    error instanceof NotFoundError ||
    error instanceof BadRequestError ||
    error instanceof ValidationError ||
    isAbortError(error)
  );
}

/**
 * Consecutive `ResponseValidationError`s (a 2xx answer the SDK cannot understand) a poll or a
 * status check tolerates before throwing: one may be a proxy's page, three in a row are not.
 */
export const MAX_BAD_RESPONSES = 3;

/**
 * Decides, for a loop that retries transient failures, which error ends it: permanent errors at
 * once, the {@link MAX_BAD_RESPONSES}-th consecutive `ResponseValidationError`, nothing else.
 */
export class ErrorBudget {
  #bad = 0;

  /** Whether `error` must be thrown rather than retried. */
  fatal(error: unknown): boolean {
    if (isPermanentError(error)) return true;
    if (error instanceof ResponseValidationError) return ++this.#bad >= MAX_BAD_RESPONSES;
    return false;
  }

  /** A request succeeded: the count of bad answers starts again. */
  ok(): void {
    this.#bad = 0;
  }
}

/** Reconnection tuning of a followed stream (logs, metrics). */
export interface ReconnectOptions {
  /** Consecutive failed connections tolerated before a `ConnectionError`; default 5. */
  maxReconnects?: number;
  /** Delay before the first reconnection, doubled each time; default 1000 ms. */
  baseDelayMs?: number;
  /** Cap of one delay; default 10 000 ms (so 1, 2, 4, 8, 10 s). */
  maxDelayMs?: number;
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

/** Checks a window or delay option (ms): a positive number, else the default. */
export function positive(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value <= 0) {
    throw new ValidationError(field, "expected a positive number of milliseconds");
  }
  return value;
}

/** Delay before the n-th consecutive reconnection (0-based). */
export function reconnectDelayMs(attempt: number, policy: ReconnectPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
}

/** The error thrown when a stream gives up reconnecting; keeps the last failure as `cause`. */
export function gaveUp(what: string, attempts: number, last: unknown): ConnectionError {
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
    retry: "idempotent",
    jobUrl: true,
    accept: "text/event-stream",
    signal,
    ...extra,
  });
}
