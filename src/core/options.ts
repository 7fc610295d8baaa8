/**
 * Option checks shared by every entry point: each rule on a user-supplied number is defined here
 * once, and a bad value is a `ValidationError` before any request is sent.
 * @internal
 * @module
 */
import { ValidationError } from "./errors.js";

/** The longest delay a timer accepts (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Checks a `timeoutMs`: a number of ms in (0, 2^31 - 1], else a `ValidationError`. */
export function checkTimeoutMs(value: number, field = "timeoutMs"): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new ValidationError(field, `expected a number of milliseconds above 0 and at most ${MAX_TIMEOUT_MS}`);
  }
  return value;
}

/**
 * Checks a window or delay option in ms: `undefined` gives `fallback`; anything but a number in
 * (0, 2^31 - 1] is a `ValidationError` (NaN, Infinity and negative values included).
 */
export function positive(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return checkTimeoutMs(value, field);
}

/**
 * Checks a delay that may be zero (a backoff step, the longest `Retry-After` honoured):
 * `undefined` gives `fallback`; else a number of ms in [0, 2^31 - 1].
 */
export function nonNegativeMs(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_TIMEOUT_MS) {
    throw new ValidationError(field, `expected a number of milliseconds from 0 to ${MAX_TIMEOUT_MS}`);
  }
  return value;
}

/**
 * Checks a count such as `maxRetries`: `undefined` gives `fallback`; else a whole number from 0
 * to `max` (NaN, Infinity, fractions and negative values are refused).
 */
export function count(field: string, value: number | undefined, fallback: number, max = 1000): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new ValidationError(field, `expected a whole number from 0 to ${max}`);
  }
  return value;
}
