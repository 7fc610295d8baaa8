/**
 * Exit codes of `hf-jobs`, one per outcome, so that scripts can branch on them
 * (`hf-jobs wait $ID && next-step`). The table is documented in docs/cli.md; keep both in step.
 * @module
 */
import {
  ApiError,
  ConnectionError,
  HfJobsError,
  isAbortError,
  JobFailedError,
  MissingTokenError,
  RequestTimeoutError,
  ResponseValidationError,
  ValidationError,
  WaitTimeoutError,
} from "../core/errors.js";
import { BudgetExceededError } from "../fan-out/errors.js";
import type { Job, JobStage } from "../types.js";

/** Exit codes. */
export const EXIT = {
  /** The command succeeded; for `run`, `wait`, `sweep`: every job ended `COMPLETED`. */
  OK: 0,
  /** A job ended in `ERROR` (its command failed). */
  JOB_ERROR: 1,
  /** Bad command line or invalid job options, or a sweep over its `--max-cost`; no job was started. */
  USAGE: 2,
  /** A job ended `CANCELED`. */
  JOB_CANCELED: 3,
  /** A job was stopped by its own timeout (`Job timeout`). */
  JOB_TIMEOUT: 4,
  /** A job ended `DELETED`. */
  JOB_DELETED: 5,
  /** A job ended in a stage this version does not know. */
  JOB_UNKNOWN: 6,
  /** `wait --timeout` ran out while the job was still going (it keeps running). */
  WAIT_TIMEOUT: 7,
  /** The service refused the request: HTTP error, missing or invalid token, unknown job, busy schedule. */
  API: 8,
  /** No answer from the service: connection refused or dropped, DNS failure, request timeout. */
  NETWORK: 9,
  /** A bug in hf-jobs. */
  INTERNAL: 70,
  /** Interrupted (Ctrl-C / SIGINT); a foreground `run` detached and its job keeps running. */
  INTERRUPTED: 130,
} as const;

/** A command-line mistake: exit code 2, the message plus a hint to `--help`. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The exit code of a job's final stage: 0 only for `COMPLETED`. */
export function exitCodeForStage(stage: JobStage, message?: string | null): number {
  if (stage === "COMPLETED") return EXIT.OK;
  if ((stage === "ERROR" || stage === "CANCELED") && message && /^job timeout\b/i.test(message.trim())) return EXIT.JOB_TIMEOUT;
  switch (stage) {
    case "ERROR":
      return EXIT.JOB_ERROR;
    case "CANCELED":
      return EXIT.JOB_CANCELED;
    case "DELETED":
      return EXIT.JOB_DELETED;
    default:
      return EXIT.JOB_UNKNOWN;
  }
}

/** The exit code of a job's outcome. */
export function exitCodeForJob(job: Job): number {
  return exitCodeForStage(job.status.stage, job.status.message);
}

/** The exit code of an error thrown by a command. */
export function exitCodeForError(error: unknown): number {
  // A budget refusal is decided before any job request, like a usage error.
  if (error instanceof UsageError || error instanceof ValidationError || error instanceof BudgetExceededError) return EXIT.USAGE;
  if (isAbortError(error)) return EXIT.INTERRUPTED;
  if (error instanceof JobFailedError) return exitCodeForJob(error.job);
  if (error instanceof WaitTimeoutError) return EXIT.WAIT_TIMEOUT;
  if (error instanceof ConnectionError || error instanceof RequestTimeoutError) return EXIT.NETWORK;
  if (error instanceof ApiError || error instanceof MissingTokenError || error instanceof ResponseValidationError) return EXIT.API;
  if (error instanceof HfJobsError) return EXIT.API;
  return EXIT.INTERNAL;
}
