/**
 * Option checks shared by every entry point: each rule on a user-supplied number or name is
 * defined here once, and a bad value is a `ValidationError` before any request is sent.
 * @internal
 * @module
 */
import { ValidationError } from "./errors.js";

/** The longest delay a timer accepts (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Checks a `timeoutMs`: a number of ms in (0, 2^31 - 1], else a `ValidationError`. */
export function checkTimeoutMs(value: number, field = "timeoutMs"): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new ValidationError(field, `expected a number of milliseconds above 0 and at most ${MAX_TIMEOUT_MS}`);
  }
  return value;
}
