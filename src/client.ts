/**
 * `JobsClient`: the facade users hold. It builds the client context from its options and wires
 * the resources (`jobs/resource.ts`, `scheduled/resource.ts`) and features (streams, waits, uv)
 * to it; every method delegates, and no request logic lives here.
 * @module
 */
import { type JobsClientOptions, createContext } from "./core/context.js";
import type { PagedList } from "./core/pagination.js";
import { type JobRequestOptions, JobsResource } from "./jobs/resource.js";
import { type JobGroup, type WaitAllOptions, type WaitOptions, waitAll, waitAny, waitForJob } from "./jobs/wait.js";
import { ScheduledJobs } from "./scheduled/resource.js";
import { type LogStream, type LogsOptions, streamLogs } from "./streams/logs.js";
import { type MetricStream, type MetricsOptions, streamMetrics } from "./streams/metrics.js";
import type { Hardware, Job, ListOptions, RequestOptions, RunSpec, WhoAmI } from "./types.js";
import { type UvSpec, buildUvRunSpec } from "./uv/run-uv.js";

export type { JobsClientOptions } from "./core/context.js";
export type { JobRequestOptions } from "./jobs/resource.js";

/**
 * A client for Hugging Face Jobs.
 *
 * ```ts
 * const client = new JobsClient();
 * const job = await client.run({ image: "python:3.12", command: ["python", "-c", "print(1)"] });
 * ```
 */
export class JobsClient {
  /** Service URL, without a trailing slash. */
  readonly endpoint: string;
  readonly #jobs: JobsResource;

  constructor(options: JobsClientOptions = {}) {
    const context = createContext(options);
    this.endpoint = context.endpoint;
    this.#jobs = new JobsResource(context);
    this.scheduled = new ScheduledJobs(context);
  }

  /**
   * Starts a job. The spec is validated first: a bad field throws a `ValidationError` and no
   * request is sent. The request is sent once: if the connection drops after it may have reached
   * the server, an `AmbiguousCreateError` is thrown rather than risking a second job.
   */
  run(spec: RunSpec, options: RequestOptions = {}): Promise<Job> {
    return this.#jobs.run(spec, options);
  }

  /** Fetches a job by id or `namespace/id`. */
  inspect(ref: string, options: JobRequestOptions = {}): Promise<Job> {
    return this.#jobs.inspect(ref, options);
  }

  /**
   * Lists jobs, newest first, following pagination lazily.
   *
   * ```ts
   * for await (const job of client.list({ stage: "RUNNING", labels: { team: "ml" } })) console.log(job.id);
   * const all = await client.list().toArray();
   * ```
   */
  list(options: ListOptions = {}): PagedList<Job> {
    return this.#jobs.list(options);
  }

  /**
   * Cancels a job and returns it. The service may answer before the stage shows `CANCELED`;
   * use `wait` to see the final stage.
   */
  cancel(ref: string, options: JobRequestOptions = {}): Promise<Job> {
    return this.#jobs.cancel(ref, options);
  }

  /** Replaces all labels of a job (the `name` label included) and returns the updated job. */
  setLabels(ref: string, labels: Record<string, string>, options: JobRequestOptions = {}): Promise<Job> {
    return this.#jobs.setLabels(ref, labels, options);
  }

  /** Starts a new job with the same spec as an existing one. Sent once, like `run`. */
  duplicate(ref: string, options: JobRequestOptions = {}): Promise<Job> {
    return this.#jobs.duplicate(ref, options);
  }

  /** Hardware flavors with their prices. Needs no token. */
  hardware(options: RequestOptions = {}): Promise<Hardware[]> {
    return this.#jobs.hardware(options);
  }

  /** The token's owner (cached per client). */
  whoami(options: RequestOptions = {}): Promise<WhoAmI> {
    return this.#jobs.whoami(options);
  }

  /**
   * A job's log lines, as an async iterable of `{ text, timestamp }`.
   *
   * Without `follow`, yields the lines logged so far and ends after `idleTimeoutMs` (5 s) of
   * silence. With `follow: true`, keeps going until the job is terminal and its lines are drained,
   * reconnecting when the connection drops, without losing or repeating a line; then
   * `stream.job` holds the final job. `break`, `close()` and `signal` close the connection.
   *
   * ```ts
   * const stream = client.logs(job.id, { follow: true });
   * for await (const line of stream) console.log(line.text);
   * console.log(stream.job?.status.stage);
   * ```
   */
  logs(ref: string, options: LogsOptions = {}): LogStream {
    return streamLogs(this.#jobs, ref, options);
  }

  /**
   * A running job's resource usage, about one sample a second (camelCase, GPUs sorted by id).
   * Ends by itself when the job is terminal.
   */
  metrics(ref: string, options: MetricsOptions = {}): MetricStream {
    return streamMetrics(this.#jobs, ref, options);
  }

  /**
   * Polls a job until it reaches `until` (default: any terminal stage) and returns it. Transient
   * errors are retried; see {@link WaitOptions} for the timeout, stall detection and
   * `throwOnFailure`.
   *
   * ```ts
   * const done = await client.wait(job.id, { timeoutMs: 3_600_000, throwOnFailure: true });
   * ```
   */
  wait(ref: string, options: WaitOptions = {}): Promise<Job> {
    return waitForJob(this.#jobs, ref, options);
  }

  /**
   * Waits until every job of a group (ids, or a label selector served by one `list` request per
   * poll) reaches the awaited stage. Returns the final jobs, in the order of the ids given (for a
   * selector: in the order of the last list, newest first; `[]` when no job matches).
   */
  waitAll(jobs: JobGroup, options: WaitAllOptions = {}): Promise<Job[]> {
    return waitAll(this.#jobs, jobs, options);
  }

  /** Waits until one job of a group reaches the awaited stage and returns that job. */
  waitAny(jobs: JobGroup, options: WaitAllOptions = {}): Promise<Job> {
    return waitAny(this.#jobs, jobs, options);
  }

  /**
   * Runs a uv script (a URL, a command in the image, a local file or inline code) with
   * `uv run`, in the uv image unless `image` says otherwise. Local files are read and shipped
   * inside the job spec; the script's PEP 723 `[tool.hf-jobs]` table supplies defaults that
   * explicit options override. Everything is checked before any request. Sent once, like `run`.
   *
   * ```ts
   * const job = await client.runUv({ script: "train.py", args: ["--epochs", "3"], dependencies: ["trl"], flavor: "a10g-small" });
   * ```
   */
  async runUv(spec: UvSpec, options: RequestOptions = {}): Promise<Job> {
    return this.#jobs.run(await buildUvRunSpec(spec), options);
  }

  /**
   * Scheduled jobs: create (from a run spec or a uv spec), list, inspect, delete, suspend,
   * resume, trigger and relabel jobs that the service runs on a cron schedule.
   *
   * ```ts
   * await client.scheduled.create({ schedule: "@daily", job: { script: "report.py" } });
   * ```
   */
  readonly scheduled: ScheduledJobs;
}

/** Never show the token when a client is logged or serialised. */
Object.defineProperty(JobsClient.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value(this: JobsClient) {
    return `JobsClient { endpoint: '${this.endpoint}' }`;
  },
});
