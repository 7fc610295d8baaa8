/**
 * `@org/hf-jobs`: run compute jobs on Hugging Face Jobs from Node, with types.
 *
 * ```ts
 * import { JobsClient } from "@org/hf-jobs";
 * const client = new JobsClient();
 * const job = await client.run({ image: "python:3.12", command: ["python", "-c", "print('hi')"] });
 * ```
 * @module
 */
export { JobsClient } from "./client.js";
export type { JobsClientOptions, JobRequestOptions } from "./client.js";
export {
  AmbiguousCreateError,
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  HfJobsError,
  InternalServerError,
  JobFailedError,
  JobNotFoundError,
  JobStalledError,
  MissingTokenError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestTimeoutError,
  ResponseValidationError,
  ValidationError,
  WaitTimeoutError,
  isAbortError,
} from "./errors.js";
export type { ApiErrorInit } from "./errors.js";
export { PagedList } from "./pagination.js";
export type { Page } from "./pagination.js";
export { isSuccess, isTerminal, isTerminalStage } from "./parse.js";
export { parseTimeout } from "./spec.js";
export { VERSION } from "./version.js";
export type {
  Arch,
  Entity,
  Flavor,
  Hardware,
  Job,
  JobDurations,
  JobImage,
  JobSpecInput,
  JobStage,
  JobStatus,
  KnownFlavor,
  KnownJobStage,
  ListOptions,
  RequestOptions,
  RunSpec,
  TerminalJobStage,
  Volume,
  WhoAmI,
} from "./types.js";
