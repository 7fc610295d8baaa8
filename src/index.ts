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
export type { LogLine, LogStream, LogsOptions, ReconnectOptions } from "./logs.js";
export type { GpuSample, MetricSample, MetricStream, MetricsOptions } from "./metrics.js";
export type { JobGroup, JobSelector, WaitAllOptions, WaitOptions, WaitProgress } from "./wait.js";
export { isSuccess, isTerminal, isTerminalStage } from "./parse.js";
export { parseTimeout } from "./spec.js";
export { buildUvRunSpec } from "./uv.js";
export type { InlineScript, UvIo, UvSpec } from "./uv.js";
export { MAX_SHIPPED_BYTES } from "./uv-bootstrap.js";
export { MAX_EXEC_BYTES } from "./uv.js";
export { readScriptMetadata } from "./pep723.js";
export type { HfJobsTable, ScriptMetadata } from "./pep723.js";
export { ScheduledJobBusyError, ScheduledJobs, validateSchedule } from "./scheduled.js";
export type {
  CreateScheduledJobSpec,
  ScheduledJob,
  ScheduledJobInput,
  ScheduledJobLastRun,
  ScheduledJobSpec,
  ScheduledListOptions,
  ScheduledRunSpec,
  ScheduledUvSpec,
} from "./scheduled.js";
export { fanOut } from "./fan-out.js";
export { grid, zip } from "./fan-out-params.js";
export type { ParamAxes, ParamRow } from "./fan-out-params.js";
export { lastJsonLine, parseLastJsonLine, NoJsonLineError } from "./fan-out-collect.js";
export type { LastJsonLineOptions, LogSource } from "./fan-out-collect.js";
export { formatSummary } from "./fan-out-format.js";
export type { FormatSummaryOptions } from "./fan-out-format.js";
export { BudgetExceededError, SweepStoppedError } from "./fan-out-errors.js";
export { DEFAULT_JOB_TIMEOUT_SECONDS } from "./fan-out-cost.js";
export type { CostEstimate, ItemEstimate } from "./fan-out-cost.js";
export { ATTEMPT_LABEL, INDEX_LABEL, SWEEP_LABEL } from "./fan-out-types.js";
export type {
  CollectContext,
  FanOutEvent,
  FanOutEventBase,
  FanOutItemResult,
  FanOutOptions,
  FanOutPlan,
  FanOutResult,
  FanOutSpec,
  FanOutSummary,
  ItemOutcome,
  PlannedItem,
  StopReason,
} from "./fan-out-types.js";
export { FLAVOR_NAMES, JOB_STAGES, TERMINAL_STAGES } from "./schemas.js";
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
