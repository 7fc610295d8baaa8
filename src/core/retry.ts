/**
 * Retry policy: which failures are retried, and how long to wait before the next attempt.
 * @internal
 * @module
 */

/** Statuses worth another attempt on a request that is safe to repeat. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Settings of the retry loop. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff, doubled each time. */
  baseDelayMs: number;
  /** Upper bound of one backoff. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown instead. */
  maxRetryAfterMs: number;
}

/** Defaults: 2 retries, 0.5 s doubling to 8 s, `Retry-After` honoured up to a minute. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 2,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

/** The steps of a backoff: a first delay doubled on each retry, up to a cap (a whole policy fits too). */
export type BackoffSteps = Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs"> & Partial<RetryPolicy>;

/**
 * Exponential backoff, the one used by requests, streams and polls: the n-th retry (0-based)
 * waits 75-100 % of min(cap, base·2ⁿ). Pass `random: () => 0` for the plain doubling without
 * jitter (1, 2, 4, 8, 10 s for a stream's reconnections).
 */
export function backoffMs(retry: number, steps: BackoffSteps, random: () => number = Math.random): number {
  const ceiling = Math.min(steps.maxDelayMs, steps.baseDelayMs * 2 ** Math.min(Math.max(0, retry), 30));
  return Math.round(ceiling * (1 - 0.25 * random()));
}

/**
 * How long the server asked us to wait, in ms: `retry-after-ms`, `Retry-After` (seconds or an
 * HTTP date), or the reset of an IETF `RateLimit` header (`t=<seconds>`).
 */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const value = headers.get("retry-after");
  if (value !== null) {
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const rateLimit = headers.get("ratelimit");
  const reset = rateLimit ? /(?:^|[;,\s])t=(\d+)/.exec(rateLimit) : null;
  if (reset?.[1]) return Number(reset[1]) * 1000;
  return undefined;
}
