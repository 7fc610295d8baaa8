/**
 * Which failures a retrying loop (a wait's poll, a stream's status check, a stream's
 * reconnection) must give up on, defined once for every such loop.
 * @internal
 * @module
 */
import {
  AuthenticationError,
  BadRequestError,
  EventTooLargeError,
  MissingTokenError,
  NotFoundError,
  PermissionDeniedError,
  ResponseValidationError,
  ValidationError,
  isAbortError,
} from "./errors.js";

/**
 * Errors that another attempt cannot fix: 400, 401, 403, 404, invalid input, a missing token and
 * an event over the size limit (a replay would meet it again). Everything else (network, timeouts,
 * 429, 5xx) may pass, so it is retried. A 2xx answer the SDK cannot understand
 * (`ResponseValidationError`) is neither: see {@link ErrorBudget}.
 */
export function isPermanentError(error: unknown): boolean {
  return (
    error instanceof MissingTokenError ||
    error instanceof AuthenticationError ||
    error instanceof PermissionDeniedError ||
    error instanceof NotFoundError ||
    error instanceof BadRequestError ||
    error instanceof ValidationError ||
    error instanceof EventTooLargeError ||
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

