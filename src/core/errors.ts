/**
 * One error tree users can `instanceof`. Messages never contain a token or a secret value:
 * every message that may carry server text goes through the redactor first.
 * @module
 */
import type { Job, JobStage } from "../types.js";

/** Base class of every error the SDK throws (except the standard `AbortError`). */
export class HfJobsError extends Error {
  override name = "HfJobsError";
}

/** Details the transport knows about a failed HTTP exchange. */
export interface ApiErrorInit {
  /** HTTP status. */
  status: number;
  /** Message, already redacted. */
  message: string;
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

  constructor(init: ApiErrorInit) {
    super(`${init.status} ${init.method} ${init.url}: ${init.message}${init.requestId ? ` (request id ${init.requestId})` : ""}`);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.method = init.method;
    this.url = init.url;
    this.retryAfterMs = init.retryAfterMs;
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

/** An input was rejected before any request was sent. `field` names it. */
export class ValidationError extends HfJobsError {
  override name = "ValidationError";
  /** Path of the offending field, e.g. `timeout` or `env.API_KEY`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`Invalid ${field}: ${message}`);
    this.field = field;
  }
}

/** The service answered 2xx with a body the SDK could not understand. */
export class ResponseValidationError extends HfJobsError {
  override name = "ResponseValidationError";
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
    super(`Job ${job.id} ended ${job.status.stage}${job.status.message ? `: ${job.status.message}` : ""}`);
    this.job = job;
    this.stage = job.status.stage;
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

/**
 * Whether a failed create (run, duplicate, trigger) may still have created its job: the request
 * may have reached the server before the connection dropped, the answer was lost or unreadable,
 * it timed out, or the server failed (5xx). Look the job up by a label before sending it again.
 */
export function isUnclearCreate(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    error instanceof RequestTimeoutError ||
    error instanceof InternalServerError ||
    error instanceof ResponseValidationError
  );
}
