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
  EventTooLargeError,
  HfJobsError,
  InternalServerError,
  JobFailedError,
  JobNotFoundError,
  JobStalledError,
  MissingTokenError,
  NotFoundError,
  PaginationError,
  PermissionDeniedError,
  RateLimitError,
  RequestTimeoutError,
  ResponseTooLargeError,
  ResponseValidationError,
  ValidationError,
  WaitTimeoutError,
  isAbortError,
  isUnclearCreate,
} from "./core/errors.js";
export type { ApiErrorInit, HfJobsErrorOptions } from "./core/errors.js";
export { PagedList } from "./core/pagination.js";
export type { Page } from "./core/pagination.js";
export type { JobStream, JobStreamOptions, LogLine, LogStream, LogsOptions, ReconnectOptions } from "./streams/logs.js";
export type { GpuSample, MetricSample, MetricStream, MetricsOptions } from "./streams/metrics.js";
export type { JobGroup, JobSelector, WaitAllOptions, WaitOptions, WaitProgress } from "./jobs/wait.js";
export { isSuccess, isTerminal, isTerminalStage } from "./jobs/parse.js";
export { MAX_EMPTY_PAGES } from "./core/pagination.js";
export { parseTimeout } from "./jobs/spec.js";
export { buildUvRunSpec } from "./uv/run-uv.js";
export type { InlineScript, UvIo, UvSpec } from "./uv/run-uv.js";
export { MAX_EXEC_BYTES, MAX_SHIPPED_BYTES } from "./uv/limits.js";
export { readScriptMetadata } from "./uv/pep723.js";
export type { HfJobsTable, ScriptMetadata } from "./uv/pep723.js";
export { ScheduledJobBusyError, ScheduledJobs } from "./scheduled/resource.js";
export { validateSchedule } from "./scheduled/schedule.js";
export type {
  CreateScheduledJobSpec,
  ScheduledJob,
  ScheduledJobInput,
  ScheduledJobLastRun,
  ScheduledJobSpec,
  ScheduledListOptions,
  ScheduledRunSpec,
  ScheduledUvSpec,
} from "./scheduled/types.js";
export { CREATE_ATTEMPT_LABEL, CREATE_KEY_LABEL, DEFAULT_CREATE_GRACE_MS, runOnce } from "./jobs/create-once.js";
export type { CreateOnceClient, ExtraJob, RunOnceOptions, RunOnceResult } from "./jobs/create-once.js";
export { fanOut } from "./fan-out/run.js";
export { grid, zip } from "./fan-out/params.js";
export type { ParamAxes, ParamRow } from "./fan-out/params.js";
export { lastJsonLine, parseLastJsonLine, NoJsonLineError } from "./fan-out/collect.js";
export type { LastJsonLineOptions, LogSource } from "./fan-out/collect.js";
export { formatSummary } from "./fan-out/format.js";
export type { FormatSummaryOptions } from "./fan-out/format.js";
export { BudgetExceededError, SweepStoppedError } from "./fan-out/errors.js";
export { DEFAULT_JOB_TIMEOUT_SECONDS } from "./fan-out/cost.js";
export type { CostEstimate, ItemEstimate } from "./fan-out/cost.js";
export { ATTEMPT_LABEL, INDEX_LABEL, SWEEP_LABEL } from "./fan-out/types.js";
export type {
  CollectContext,
  FanOutEvent,
  FanOutClient,
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
} from "./fan-out/types.js";
export { FLAVOR_NAMES, JOB_STAGES, TERMINAL_STAGES } from "./wire/schemas.js";
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
  ReportedJobStage,
  RequestOptions,
  RunSpec,
  TerminalJobStage,
  Volume,
  WhoAmI,
} from "./types.js";
