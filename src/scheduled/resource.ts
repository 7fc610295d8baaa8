/**
 * Scheduled jobs: a job spec plus a cron schedule, run by the service. `client.scheduled` is a
 * {@link ScheduledJobs}; payloads are built in `spec.ts`, answers converted in `parse.ts`.
 * @module
 */
import * as z from "zod";
import type { ClientContext } from "../core/context.js";
import { ConflictError, ValidationError } from "../core/errors.js";
import { isValidNamespace, parseJobRef } from "../core/names.js";
import { nextLink, PagedList } from "../core/pagination.js";
import type { JobRequestOptions } from "../jobs/resource.js";
import { checkEnvAgainstToken, validateLabels } from "../jobs/spec.js";
import type { Job, RequestOptions } from "../types.js";
import { JobWire, ScheduledJobWire } from "../wire/schemas.js";
import { toScheduledJob } from "./parse.js";
import { validateSchedule } from "./schedule.js";
import { buildScheduledBody, toScheduledRunSpec, underJob } from "./spec.js";
import type { CreateScheduledJobSpec, ScheduledJob, ScheduledListOptions } from "./types.js";

const ScheduledJobListWire = z.array(ScheduledJobWire);

/**
 * Scheduled jobs of a {@link JobsClient}, reached as `client.scheduled`.
 *
 * ```ts
 * const nightly = await client.scheduled.create({
 *   schedule: "0 3 * * *",
 *   job: { image: "python:3.12", command: ["python", "nightly.py"], secrets: { HF_TOKEN: token } },
 * });
 * await client.scheduled.trigger(nightly.id); // run once now
 * ```
 *
 * References are a scheduled-job id or `namespace/id`. A 404 throws a `JobNotFoundError`.
 */
export class ScheduledJobs {
  readonly #ctx: ClientContext;

  /** @internal Use `client.scheduled`. */
  constructor(context: ClientContext) {
    // Only stored: the client may still be under construction.
    this.#ctx = context;
  }

  /**
   * Creates a scheduled job. The schedule and the job spec are checked first (a
   * `ValidationError`, no request). The body is `{ jobSpec, schedule, suspend, concurrency }`;
   * `suspend` and `concurrency` are always sent (`false` unless given, like the JS client) so
   * the outcome does not depend on server defaults. The request is sent once: if the connection
   * drops after it may have reached the server, an `AmbiguousCreateError` is thrown rather than
   * risking a duplicate schedule.
   */
  async create(spec: CreateScheduledJobSpec, options: RequestOptions = {}): Promise<ScheduledJob> {
    if (spec === null || typeof spec !== "object") throw new ValidationError("spec", "expected an object");
    // The schedule first: it is cheap and needs no file access.
    validateSchedule(spec.schedule);
    const job = await toScheduledRunSpec(spec.job);
    const body = buildScheduledBody(spec.schedule, job, { suspend: spec.suspend, concurrency: spec.concurrency });
    const jobNamespace = job.namespace;
    if (spec.namespace !== undefined && jobNamespace !== undefined && spec.namespace !== jobNamespace) {
      throw new ValidationError("namespace", `"${spec.namespace}" differs from job.namespace "${jobNamespace}"; keep one`);
    }
    const core = this.#ctx;
    // As for `client.run`: the client's own token in `env` (or in a shipped file) would be
    // readable by anyone who can inspect the scheduled job or its runs.
    const token = await core.token();
    try {
      checkEnvAgainstToken(body.jobSpec.environment, token);
    } catch (error) {
      throw underJob(error);
    }
    const namespace = await core.namespace(spec.namespace ?? jobNamespace, options.signal);
    const wire = await core.transport.json(
      {
        method: "POST",
        path: scheduledPath(namespace),
        body,
        retry: "create",
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        secrets: Object.values(job.secrets ?? {}),
      },
      ScheduledJobWire,
    );
    return toScheduledJob(wire, namespace);
  }

  /**
   * Every scheduled job of a namespace. The service returns them in one response (the Python
   * client does not paginate); a `Link: rel="next"` header is followed anyway, should one appear.
   */
  async list(options: ScheduledListOptions = {}): Promise<ScheduledJob[]> {
    const core = this.#ctx;
    const namespace = await core.namespace(options.namespace, options.signal);
    const pages = new PagedList<ScheduledJob>(async (url) => {
      const { value, headers } = await core.transport.jsonResponse(
        {
          method: "GET",
          path: url ?? scheduledPath(namespace),
          retry: "idempotent",
          signal: options.signal,
          timeoutMs: options.timeoutMs,
        },
        ScheduledJobListWire,
      );
      const next = nextLink(headers.get("link"));
      return { items: value.map((wire) => toScheduledJob(wire, namespace)), next };
    });
    return pages.toArray();
  }

  /** Fetches a scheduled job by id or `namespace/id`. */
  async inspect(ref: string, options: JobRequestOptions = {}): Promise<ScheduledJob> {
    const target = await this.#ref(ref, options);
    const wire = await this.#ctx.transport.json(
      { method: "GET", path: scheduledPath(target.namespace, target.id), retry: "idempotent", jobUrl: true, ...pick(options) },
      ScheduledJobWire,
    );
    return toScheduledJob(wire, target.namespace);
  }

  /** Deletes a scheduled job (runs already started are not affected). The response body is ignored. */
  async delete(ref: string, options: JobRequestOptions = {}): Promise<void> {
    await this.#action("DELETE", ref, "", options);
  }

  /** Pauses a scheduled job: no runs until {@link ScheduledJobs.resume}. The response body is ignored. */
  async suspend(ref: string, options: JobRequestOptions = {}): Promise<void> {
    await this.#action("POST", ref, "/suspend", options);
  }

  /** Resumes a suspended scheduled job. The response body is ignored. */
  async resume(ref: string, options: JobRequestOptions = {}): Promise<void> {
    await this.#action("POST", ref, "/resume", options);
  }

  /**
   * Starts a run now and returns its job; the schedule and the next run are unchanged. If a run
   * is in progress and the scheduled job's `concurrency` is off, the service refuses (409) and a
   * {@link ScheduledJobBusyError} is thrown. Sent once, like `client.run`.
   */
  async trigger(ref: string, options: JobRequestOptions = {}): Promise<Job> {
    const target = await this.#ref(ref, options);
    const core = this.#ctx;
    try {
      const wire = await core.transport.json(
        { method: "POST", path: scheduledPath(target.namespace, target.id, "/run"), retry: "create", jobUrl: true, ...pick(options) },
        JobWire,
      );
      return core.toJob(wire, target.namespace);
    } catch (error) {
      if (error instanceof ConflictError) throw new ScheduledJobBusyError(error, target.namespace, target.id);
      throw error;
    }
  }

  /** Replaces all labels of the scheduled job's runs (the `name` label included) and returns it. */
  async setLabels(ref: string, labels: Record<string, string>, options: JobRequestOptions = {}): Promise<ScheduledJob> {
    const checked = validateLabels(labels);
    const target = await this.#ref(ref, options);
    const wire = await this.#ctx.transport.json(
      {
        method: "PUT",
        path: scheduledPath(target.namespace, target.id, "/labels"),
        body: { labels: checked },
        retry: "idempotent",
        jobUrl: true,
        ...pick(options),
      },
      ScheduledJobWire,
    );
    return toScheduledJob(wire, target.namespace);
  }

  async #action(method: "POST" | "DELETE", ref: string, suffix: string, options: JobRequestOptions): Promise<void> {
    const target = await this.#ref(ref, options);
    await this.#ctx.transport.empty({
      method,
      path: scheduledPath(target.namespace, target.id, suffix),
      retry: "idempotent",
      jobUrl: true,
      ...pick(options),
    });
  }

  async #ref(ref: string, options: JobRequestOptions): Promise<{ namespace: string; id: string }> {
    const parsed = parseJobRef(ref, "scheduledJob");
    const namespace = parsed.namespace ?? (await this.#ctx.namespace(options.namespace, options.signal));
    return { namespace, id: parsed.id };
  }
}

/** `/api/scheduled-jobs/{ns}[/{id}[suffix]]`. */
function scheduledPath(namespace: string, id?: string, suffix = ""): string {
  // encodeURIComponent keeps dots, and URL parsing would resolve a `..` namespace to another API route.
  if (!isValidNamespace(namespace)) {
    throw new ValidationError("namespace", `${JSON.stringify(namespace)} is not a user or organisation name (letters, digits, ., _ and -)`);
  }
  const base = `/api/scheduled-jobs/${encodeURIComponent(namespace)}`;
  return id === undefined ? base : `${base}/${encodeURIComponent(id)}${suffix}`;
}

function pick(options: RequestOptions): Pick<RequestOptions, "signal" | "timeoutMs"> {
  return { signal: options.signal, timeoutMs: options.timeoutMs };
}

/**
 * A scheduled job was triggered while one of its runs is still in progress and its
 * `concurrency` is off (HTTP 409 on `POST .../run`). Nothing was started. Wait for the run
 * (`scheduledJob.lastRun.jobId`) to finish, or create the scheduled job with `concurrency: true`.
 */
export class ScheduledJobBusyError extends ConflictError {
  override name = "ScheduledJobBusyError";
  /** Namespace of the scheduled job. */
  readonly namespace: string;
  /** Id of the scheduled job. */
  readonly scheduledJobId: string;

  /** @internal */
  constructor(conflict: ConflictError, namespace: string, scheduledJobId: string) {
    const said = conflict.serverMessage;
    super({
      status: conflict.status,
      method: conflict.method,
      url: conflict.url,
      code: conflict.code,
      requestId: conflict.requestId,
      retryAfterMs: conflict.retryAfterMs,
      serverMessage: said,
      message:
        `scheduled job ${namespace}/${scheduledJobId} already has a run in progress and its concurrency is off, ` +
        `so no new run was started; wait for the current run to finish or enable concurrency${said ? ` (service: ${said})` : ""}`,
    });
    this.namespace = namespace;
    this.scheduledJobId = scheduledJobId;
    this.cause = conflict;
  }
}
