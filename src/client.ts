/**
 * `JobsClient`: the facade users hold. Each method validates its input, builds the request with
 * the pure functions of `spec.ts`, sends it through the transport and converts the answer with
 * `parse.ts`. Feature modules (logs, wait, uv, scheduled jobs) plug in below.
 * @module
 */
import { z } from "zod";
import { resolveEndpoint, resolveToken } from "./config.js";
import { MissingTokenError, ValidationError } from "./errors.js";
import { ClientCore } from "./internal/core.js";
import { type LogStream, type LogsOptions, streamLogs } from "./logs.js";
import { type MetricStream, type MetricsOptions, streamMetrics } from "./metrics.js";
import { Transport, checkTimeoutMs } from "./internal/http.js";
import { redact } from "./internal/redact.js";
import { DEFAULT_RETRY_POLICY } from "./internal/retry.js";
import { PagedList, nextLink } from "./pagination.js";
import { toHardware } from "./parse.js";
import { HardwareWire, JobWire } from "./schemas.js";
import { buildRunBody, validateLabels } from "./spec.js";
import { type JobGroup, type WaitAllOptions, type WaitOptions, waitAll, waitAny, waitForJob } from "./wait.js";
import type { Hardware, Job, ListOptions, RequestOptions, RunSpec, WhoAmI } from "./types.js";
import { ScheduledJobs } from "./scheduled.js";
import { type UvSpec, buildUvRunSpec } from "./uv.js";

/** Options of {@link JobsClient}. Every one has a default; `new JobsClient()` works with `HF_TOKEN` set. */
export interface JobsClientOptions {
  /** Access token; default `HF_TOKEN`, `HUGGING_FACE_HUB_TOKEN`, then the token file. */
  token?: string;
  /** Service URL; default `HF_ENDPOINT`, else `https://huggingface.co`. */
  endpoint?: string;
  /** Default namespace (user or organisation); default the token owner's name (`whoami-v2`). */
  namespace?: string;
  /** Per-request timeout in ms (headers and body), above 0 and at most 2^31 - 1; default 60 000. */
  timeoutMs?: number;
  /** Retries of requests that are safe to repeat; default 2. Job-creating requests are never repeated. */
  maxRetries?: number;
  /** Fine-tuning of the backoff (first delay, cap, longest `Retry-After` honoured), in ms. */
  retryDelays?: {
    /** First backoff, doubled on each retry; default 500 ms. */
    baseMs?: number;
    /** Cap of one backoff; default 8000 ms. */
    maxMs?: number;
    /** A `Retry-After` longer than this is not waited for (the error is thrown); default 60 000 ms. */
    maxRetryAfterMs?: number;
  };
  /** A `fetch` implementation to use instead of the global one (proxies, tests). */
  fetch?: typeof globalThis.fetch;
  /**
   * Receives one line per HTTP attempt (method and URL, never the token). `true` prints to
   * stderr; the `DEBUG=hf-jobs` environment variable does the same.
   */
  debug?: boolean | ((line: string) => void);
}

/** Options of calls that address one job. */
export interface JobRequestOptions extends RequestOptions {
  /** Namespace of the job, when the reference is a bare id; default the client's. */
  namespace?: string;
}

const JobListWire = z.array(JobWire);
const HardwareListWire = z.array(HardwareWire);

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
  /** @internal */
  readonly core: ClientCore;

  constructor(options: JobsClientOptions = {}) {
    this.endpoint = resolveEndpoint(options.endpoint);
    let token: Promise<string | undefined> | undefined;
    const getToken = async () => {
      token ??= resolveToken(options.token);
      const value = await token;
      if (!value) throw new MissingTokenError();
      return value;
    };
    const debug = debugSink(options.debug);
    const transport = new Transport({
      endpoint: this.endpoint,
      token: getToken,
      timeoutMs: options.timeoutMs === undefined ? 60_000 : checkTimeoutMs(options.timeoutMs),
      retry: {
        maxRetries: options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries,
        baseDelayMs: options.retryDelays?.baseMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
        maxDelayMs: options.retryDelays?.maxMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
        maxRetryAfterMs: options.retryDelays?.maxRetryAfterMs ?? DEFAULT_RETRY_POLICY.maxRetryAfterMs,
      },
      fetch: options.fetch,
      onRequest: debug
        ? ({ method, url, attempt }) => debug(redact(`hf-jobs ${method} ${url}${attempt > 0 ? ` (retry ${attempt})` : ""}`))
        : undefined,
    });
    this.core = new ClientCore(transport, options.namespace);
  }

  /**
   * Starts a job. The spec is validated first: a bad field throws a `ValidationError` and no
   * request is sent. The request is sent once: if the connection drops after it may have reached
   * the server, an `AmbiguousCreateError` is thrown rather than risking a second job.
   */
  async run(spec: RunSpec, options: RequestOptions = {}): Promise<Job> {
    const body = buildRunBody(spec);
    const namespace = await this.core.namespace(spec.namespace, options.signal);
    const wire = await this.core.transport.json(
      {
        method: "POST",
        path: `/api/jobs/${encodeURIComponent(namespace)}`,
        body,
        retry: "create",
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        secrets: Object.values(spec.secrets ?? {}),
      },
      JobWire,
    );
    return this.core.toJob(wire, namespace);
  }

  /** Fetches a job by id or `namespace/id`. */
  async inspect(ref: string, options: JobRequestOptions = {}): Promise<Job> {
    const job = await this.core.ref(ref, options.namespace, options.signal);
    const wire = await this.core.transport.json(
      { method: "GET", path: this.core.jobPath(job), retry: "idempotent", jobUrl: true, ...pick(options) },
      JobWire,
    );
    return this.core.toJob(wire, job.namespace);
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
    const stages = options.stage === undefined ? [] : Array.isArray(options.stage) ? options.stage : [options.stage];
    const query: Array<[string, string]> = [];
    for (const stage of stages) {
      if (typeof stage !== "string" || stage.trim() === "") throw new ValidationError("stage", "expected a stage name");
      query.push(["stage", stage.toUpperCase()]);
    }
    for (const [key, value] of Object.entries(options.labels ?? {})) {
      if (typeof value !== "string") throw new ValidationError(`labels.${key}`, "value must be a string");
      query.push(["label", `${key}=${value}`]);
    }
    let namespace: string | undefined;
    return new PagedList<Job>(async (url) => {
      namespace ??= await this.core.namespace(options.namespace, options.signal);
      // Same path as every JSON call: the page body is read under the timeout and retried.
      const { value, headers } = await this.core.transport.jsonResponse(
        {
          method: "GET",
          path: url ?? `/api/jobs/${encodeURIComponent(namespace)}`,
          query: url ? undefined : query,
          retry: "idempotent",
          ...pick(options),
        },
        JobListWire,
      );
      const next = nextLink(headers.get("link"));
      const ns = namespace;
      return { items: value.map((wire) => this.core.toJob(wire, ns)), next };
    });
  }

  /**
   * Cancels a job and returns it. The service may answer before the stage shows `CANCELED`;
   * use `wait` to see the final stage.
   */
  async cancel(ref: string, options: JobRequestOptions = {}): Promise<Job> {
    const job = await this.core.ref(ref, options.namespace, options.signal);
    const response = await this.core.transport.send({
      method: "POST",
      path: this.core.jobPath(job, "/cancel"),
      retry: "idempotent",
      jobUrl: true,
      ...pick(options),
    });
    // The body is not guaranteed (reference §17.8): fall back to fetching the job.
    const parsed = JobWire.safeParse(await response.json().catch(() => undefined));
    if (parsed.success) return this.core.toJob(parsed.data, job.namespace);
    return this.inspect(`${job.namespace}/${job.id}`, options);
  }

  /** Replaces all labels of a job (the `name` label included) and returns the updated job. */
  async setLabels(ref: string, labels: Record<string, string>, options: JobRequestOptions = {}): Promise<Job> {
    const checked = validateLabels(labels);
    const job = await this.core.ref(ref, options.namespace, options.signal);
    const wire = await this.core.transport.json(
      {
        method: "PUT",
        path: this.core.jobPath(job, "/labels"),
        body: { labels: checked },
        retry: "idempotent",
        jobUrl: true,
        ...pick(options),
      },
      JobWire,
    );
    return this.core.toJob(wire, job.namespace);
  }

  /** Starts a new job with the same spec as an existing one. Sent once, like `run`. */
  async duplicate(ref: string, options: JobRequestOptions = {}): Promise<Job> {
    const job = await this.core.ref(ref, options.namespace, options.signal);
    const wire = await this.core.transport.json(
      { method: "POST", path: this.core.jobPath(job, "/duplicate"), retry: "create", jobUrl: true, ...pick(options) },
      JobWire,
    );
    return this.core.toJob(wire, job.namespace);
  }

  /** Hardware flavors with their prices. Needs no token. */
  async hardware(options: RequestOptions = {}): Promise<Hardware[]> {
    const wire = await this.core.transport.json(
      { method: "GET", path: "/api/jobs/hardware", auth: false, retry: "idempotent", ...pick(options) },
      HardwareListWire,
    );
    return wire.map(toHardware);
  }

  /** The token's owner (cached per client). */
  whoami(options: RequestOptions = {}): Promise<WhoAmI> {
    return this.core.whoami(options.signal);
  }

  // --- logs, metrics, wait, waitAll, waitAny (issue 4) ---

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
    return streamLogs(this, ref, options);
  }

  /**
   * A running job's resource usage, about one sample a second (camelCase, GPUs sorted by id).
   * Ends by itself when the job is terminal.
   */
  metrics(ref: string, options: MetricsOptions = {}): MetricStream {
    return streamMetrics(this, ref, options);
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
    return waitForJob(this, ref, options);
  }

  /**
   * Waits until every job of a group (ids, or a label selector served by one `list` request per
   * poll) reaches the awaited stage. Returns the final jobs, in the order of the ids given (for a
   * selector: in the order of the last list, newest first; `[]` when no job matches).
   */
  waitAll(jobs: JobGroup, options: WaitAllOptions = {}): Promise<Job[]> {
    return waitAll(this, jobs, options);
  }

  /** Waits until one job of a group reaches the awaited stage and returns that job. */
  waitAny(jobs: JobGroup, options: WaitAllOptions = {}): Promise<Job> {
    return waitAny(this, jobs, options);
  }

  // --- runUv and scheduled jobs (issue 5) ---

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
    return this.run(await buildUvRunSpec(spec), options);
  }

  /**
   * Scheduled jobs: create (from a run spec or a uv spec), list, inspect, delete, suspend,
   * resume, trigger and relabel jobs that the service runs on a cron schedule.
   *
   * ```ts
   * await client.scheduled.create({ schedule: "@daily", job: { script: "report.py" } });
   * ```
   */
  readonly scheduled: ScheduledJobs = new ScheduledJobs(this);
}

/** Never show the token when a client is logged or serialised. */
Object.defineProperty(JobsClient.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value(this: JobsClient) {
    return `JobsClient { endpoint: '${this.endpoint}' }`;
  },
});

function pick(options: RequestOptions): Pick<RequestOptions, "signal" | "timeoutMs"> {
  return { signal: options.signal, timeoutMs: options.timeoutMs };
}

function debugSink(option: JobsClientOptions["debug"]): ((line: string) => void) | undefined {
  if (typeof option === "function") return option;
  const fromEnv = (process.env.DEBUG ?? "").split(",").some((v) => v.trim() === "hf-jobs" || v.trim() === "hf-jobs:*");
  if (option === true || (option === undefined && fromEnv)) return (line) => process.stderr.write(`${line}\n`);
  return undefined;
}
