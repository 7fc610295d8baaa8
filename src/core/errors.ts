/**
 * One error tree users can `instanceof`. Messages never contain a token or a secret value:
 * every message that may carry server text goes through the redactor first.
 * @module
 */
import type { Job, JobStage } from "../types.js";

/** Options of an {@link HfJobsError}: the standard `cause`, and whether a create may have landed. */
export interface HfJobsErrorOptions extends ErrorOptions {
  /** The failed request created a job and may have reached the server (see {@link isUnclearCreate}). */
  mayHaveCreated?: boolean;
}

/** Base class of every error the SDK throws (except the standard `AbortError`). */
export class HfJobsError extends Error {
  override name = "HfJobsError";
  /**
   * True when the request that failed creates a job (run, duplicate, trigger, scheduled create)
   * and may have reached the server: a job may exist although the call failed. Look it up by one
   * of its labels before sending the create again.
   */
  readonly mayHaveCreated: boolean;
  constructor(message?: string, options?: HfJobsErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.mayHaveCreated = options?.mayHaveCreated ?? false;
  }
}

/**
 * Whether a failed create may have started a job anyway: a lost connection, a timeout, a 5xx or
 * an unreadable answer of a job-creating request. When true, look the job up (e.g. by a label you
 * set) before running it again; when false, the create surely did not happen or was refused.
 */
export function isUnclearCreate(error: unknown): boolean {
  return error instanceof HfJobsError && error.mayHaveCreated;
}

/** Details the transport knows about a failed HTTP exchange. */
export interface ApiErrorInit {
  /** HTTP status. */
  status: number;
  /** Message, already redacted. */
  message: string;
  /** What the server said, already redacted and cut; defaults to `message`. */
  serverMessage?: string;
  /** `X-Error-Code` header, when sent. */
  code?: string;
  /** Request id (`X-Request-Id` and friends), for support. */
  requestId?: string;
  /** HTTP method of the request. */
  method: string;
  /** URL of the request (no credentials are ever part of it). */
  url: string;
  /** `Retry-After` in milliseconds, when the server sent one. */
  retryAfterMs?: number;
  /** The request creates a job and may have reached the server (a 5xx or 408 answer to a create). */
  mayHaveCreated?: boolean;
}

/** The service answered with an error status. */
export class ApiError extends HfJobsError {
  override name = "ApiError";
  /** HTTP status. */
  readonly status: number;
  /** `X-Error-Code`, when sent. */
  readonly code?: string;
  /** Request id, for support. */
  readonly requestId?: string;
  /** HTTP method. */
  readonly method: string;
  /** Request URL. */
  readonly url: string;
  /** `Retry-After` in milliseconds, when the server sent one. */
  readonly retryAfterMs?: number;
  /**
   * The server's own words (from `X-Error-Message` or the body), redacted like the message and
   * cut to the same length, without the status, method, URL or any hint the SDK adds.
   */
  readonly serverMessage: string;

  constructor(init: ApiErrorInit) {
    super(`${init.status} ${init.method} ${init.url}: ${init.message}${init.requestId ? ` (request id ${init.requestId})` : ""}`, {
      mayHaveCreated: init.mayHaveCreated,
    });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.method = init.method;
    this.url = init.url;
    this.retryAfterMs = init.retryAfterMs;
    this.serverMessage = init.serverMessage ?? init.message;
  }

  /** A JSON form with no request or header internals (safe to log). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      code: this.code,
      requestId: this.requestId,
      method: this.method,
      url: this.url,
    };
  }
}

/** 400: the service rejected the request (e.g. an unknown stage filter). */
export class BadRequestError extends ApiError {
  override name = "BadRequestError";
}
/** 401: the token is missing, invalid or expired. */
export class AuthenticationError extends ApiError {
  override name = "AuthenticationError";
}
/** 403: the token may not do this in this namespace (check its permissions). */
export class PermissionDeniedError extends ApiError {
  override name = "PermissionDeniedError";
}
/** 404: nothing at that URL. */
export class NotFoundError extends ApiError {
  override name = "NotFoundError";
}
/** 404 on a job or scheduled-job URL: check the job id and the namespace. */
export class JobNotFoundError extends NotFoundError {
  override name = "JobNotFoundError";
}
/** 409: e.g. triggering a scheduled job while a run is in progress and concurrency is off. */
export class ConflictError extends ApiError {
  override name = "ConflictError";
}
/** 429: rate limited; `retryAfterMs` says when to come back, when the server said so. */
export class RateLimitError extends ApiError {
  override name = "RateLimitError";
}
/** 5xx: the service failed. */
export class InternalServerError extends ApiError {
  override name = "InternalServerError";
}

/** The request never got an HTTP answer (DNS, refused or dropped connection). */
export class ConnectionError extends HfJobsError {
  override name = "ConnectionError";
}

/**
 * A request that creates a job (run, duplicate, trigger, scheduled create) lost its connection
 * after it may have reached the server. It is not retried, since that could start a second job:
 * look the job up by a label you set instead.
 */
export class AmbiguousCreateError extends ConnectionError {
  override name = "AmbiguousCreateError";
  constructor(message?: string, options?: HfJobsErrorOptions) {
    super(message, { ...options, mayHaveCreated: true });
  }
}

/** The request took longer than its timeout. */
export class RequestTimeoutError extends HfJobsError {
  override name = "RequestTimeoutError";
}

/** No token was given and none was found in the environment or the token file. */
export class MissingTokenError extends HfJobsError {
  override name = "MissingTokenError";
  constructor() {
    super(
      "No Hugging Face token found. Pass `token` to JobsClient, set HF_TOKEN, or log in so that a token file exists ($HF_TOKEN_PATH or $HF_HOME/token).",
    );
  }
}

/**
 * An input was rejected before any request was sent. `field` names it and `detail` says what is
 * wrong; the message is `Invalid {field}: {detail}`.
 */
export class ValidationError extends HfJobsError {
  override name = "ValidationError";
  /** Path of the offending field, e.g. `timeout` or `env.API_KEY`. */
  readonly field: string;
  /** What is wrong with it, without the field name (e.g. `expected a positive integer`). */
  readonly detail: string;
  constructor(field: string, detail: string) {
    super(`Invalid ${field}: ${detail}`);
    this.field = field;
    this.detail = detail;
  }

  /**
   * The same error for a field nested in `parent` (e.g. `items[3]` or `job`): the field
   * becomes `parent.field` and the detail stays.
   */
  within(parent: string): ValidationError {
    return new ValidationError(`${parent}.${this.field}`, this.detail);
  }
}

/** The service answered 2xx with a body the SDK could not understand. */
export class ResponseValidationError extends HfJobsError {
  override name = "ResponseValidationError";
}

/**
 * An SSE event, or a line without its line break, longer than the reader's limit. Reading on
 * would mean holding an unbounded line in memory, and a reconnection would meet the same event,
 * so the stream ends with this error (a `ResponseValidationError`).
 */
export class EventTooLargeError extends ResponseValidationError {
  override name = "EventTooLargeError";
  /** The limit that was passed, in characters. */
  readonly limit: number;

  constructor(limit: number) {
    super(`an event of the stream is longer than ${limit} characters (the limit)`);
    this.limit = limit;
  }
}

/**
 * A response body was larger than the client accepts (`maxResponseBytes`); reading stopped at
 * the limit, so memory stays bounded whatever a server sends.
 */
export class ResponseTooLargeError extends ResponseValidationError {
  override name = "ResponseTooLargeError";
  /** The limit that was passed, in bytes. */
  readonly limitBytes: number;
  constructor(message: string, limitBytes: number, options?: HfJobsErrorOptions) {
    super(message, options);
    this.limitBytes = limitBytes;
  }
}

/**
 * A paginated list cannot be followed: the server linked a page already read, sent a long run
 * of empty pages, or a `Link` URL that is not a valid http(s) URL.
 */
export class PaginationError extends ResponseValidationError {
  override name = "PaginationError";
}

/** A job ended in a stage other than `COMPLETED` (thrown by `wait` with `throwOnFailure`). */
export class JobFailedError extends HfJobsError {
  override name = "JobFailedError";
  /** The job in its final state. */
  readonly job: Job;
  /** Its final stage. */
  readonly stage: JobStage;
  /** The service's status message, e.g. `Job failed with exit code: 1`. */
  readonly statusMessage: string | null;
  constructor(job: Job) {
    const stage = job.status.rawStage ?? job.status.stage;
    super(`Job ${job.id} ended ${stage}${job.status.message ? `: ${job.status.message}` : ""}`);
    this.job = job;
    this.stage = stage;
    this.statusMessage = job.status.message;
  }
}

/** A wait ran out of time before the job reached the awaited stage. */
export class WaitTimeoutError extends HfJobsError {
  override name = "WaitTimeoutError";
  /** The job as last seen. */
  readonly job?: Job;
  constructor(message: string, job?: Job) {
    super(message);
    this.job = job;
  }
}

/** A job stayed in `SCHEDULING` longer than allowed (`maxSchedulingMs`). */
export class JobStalledError extends HfJobsError {
  override name = "JobStalledError";
  /** The job as last seen. */
  readonly job: Job;
  /** Whether the SDK cancelled it (`cancelOnStall`). */
  readonly canceled: boolean;
  constructor(job: Job, waitedMs: number, canceled: boolean) {
    super(
      `Job ${job.id} has been in SCHEDULING for ${Math.round(waitedMs / 1000)} s${canceled ? "; it was cancelled" : ""}`,
    );
    this.job = job;
    this.canceled = canceled;
  }
}

/** The standard error a cancelled call rejects with (`name === "AbortError"`). */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return new DOMException("The operation was aborted", "AbortError");
}

/** Whether a value is the standard abort error (or a timeout reason of an aborted signal). */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}
