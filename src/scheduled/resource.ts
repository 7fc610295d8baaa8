/**
 * Scheduled jobs (reference §13): a job spec plus a cron schedule, run by the service.
 * `client.scheduled` is a {@link ScheduledJobs}; {@link validateSchedule} checks a schedule
 * without sending anything.
 * @module
 */
import { z } from "zod";
import type { ClientContext } from "../core/context.js";
import type { JobRequestOptions } from "../jobs/resource.js";
import { type ApiError, ConflictError, ValidationError } from "../core/errors.js";
import { PagedList, nextLink } from "../core/pagination.js";
import { date, defined, entity, toSecretNames, toVolumes } from "../jobs/parse.js";
import { JobWire, type ScheduledJobCreateWire, ScheduledJobWire } from "../wire/schemas.js";
import { buildJobSpec, parseJobRef, validateLabels } from "../jobs/spec.js";
import type { Arch, Entity, Flavor, Job, JobSpecInput, RequestOptions, RunSpec, Volume } from "../types.js";
import { type UvSpec, buildUvRunSpec } from "../uv/run-uv.js";

// ---------------------------------------------------------------------------------------------
// Public types

/**
 * A plain job for a schedule: everything {@link JobsClient.run} takes except `ssh`, which the
 * service does not offer for scheduled jobs (a `ValidationError` if set).
 */
export type ScheduledRunSpec = Omit<RunSpec, "ssh">;

/**
 * A uv job for a schedule: everything `client.runUv` takes except `ssh`. Local files (the
 * script, `files`) are read once, when the scheduled job is created, and shipped inside its spec:
 * every run gets that snapshot, so edit the file and create the scheduled job again to change it.
 */
export type ScheduledUvSpec = Omit<UvSpec, "ssh">;

/** What a schedule runs: a plain job spec, or a uv spec (recognised by its `script` field). */
export type ScheduledJobInput = ScheduledRunSpec | ScheduledUvSpec;

/** What {@link ScheduledJobs.create} takes. */
export interface CreateScheduledJobSpec {
  /**
   * When to run: `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`, `@annually`, or a
   * 5-field cron expression (`minute hour day-of-month month day-of-week`, e.g. `"0 9 * * MON-FRI"`).
   * Checked by {@link validateSchedule} before any request. The service's time zone is not
   * documented; assume UTC.
   */
  schedule: string;
  /** The job each run starts. */
  job: ScheduledJobInput;
  /** Create the scheduled job paused (no runs until {@link ScheduledJobs.resume}); default `false`. */
  suspend?: boolean;
  /**
   * Let a run start while the previous one is still going; default `false`, in which case the
   * service skips overlapping runs and {@link ScheduledJobs.trigger} fails with a
   * {@link ScheduledJobBusyError}.
   */
  concurrency?: boolean;
  /** Namespace (user or organisation) to create it in; default the job's `namespace`, else the client's. */
  namespace?: string;
}

/** Options of {@link ScheduledJobs.list}. */
export interface ScheduledListOptions extends RequestOptions {
  /** Namespace to list; default the client's. */
  namespace?: string;
}

/**
 * The job a schedule runs, in the shape {@link ScheduledJobs.create} takes, so that it can be
 * read like an input spec. Secret values are never returned: only `secretNames`.
 */
export interface ScheduledJobSpec {
  /** Docker reference, or `hf.co/spaces/owner/name` for a Space. */
  image: string;
  /** Command (argv) run in the container. */
  command: string[];
  /** Extra arguments appended to the command. */
  args: string[];
  /** Hardware flavor. */
  flavor: Flavor;
  /** Plain environment variables. */
  env: Record<string, string>;
  /** Names of the secrets each run receives (values are never returned). */
  secretNames: string[];
  /** Timeout of each run in seconds, when set (else the service default, 30 minutes). */
  timeout?: number;
  /** Labels of each run, including `name`. */
  labels: Record<string, string>;
  /** Mounted volumes. */
  volumes: Volume[];
  /** Exposed ports, when any. */
  expose?: number[];
  /** CPU architecture, when reported. */
  arch?: Arch;
  /** Maximum attempts per run, when reported. */
  attempts?: number;
  /** Organisation resource group billed, when reported. */
  resourceGroupId?: string;
}

/** The most recent run of a scheduled job. */
export interface ScheduledJobLastRun {
  /** Id of the job that run started (look it up with `client.inspect`). */
  jobId: string;
  /** When it was started; absent only if the service omits it. */
  at?: Date;
}

/** A scheduled job as the SDK returns it. */
export interface ScheduledJob {
  /** Id of the scheduled job (not of its runs). */
  id: string;
  /** Namespace it belongs to (its owner), so that `` `${namespace}/${id}` `` addresses it. */
  namespace: string;
  /** Name of its runs (the `name` label), if any. */
  name?: string;
  /** Cron expression or `@` alias, as stored by the service. */
  schedule: string;
  /** Whether it is paused. */
  suspended: boolean;
  /** Whether runs may overlap. */
  concurrency: boolean;
  /** What each run starts. */
  job: ScheduledJobSpec;
  /** The most recent run, if it ever ran. */
  lastRun?: ScheduledJobLastRun;
  /** When the next run is due, when reported (suspended jobs may have none). */
  nextRunAt?: Date;
  /** Owner. */
  owner?: Entity;
  /** When it was created. */
  createdAt?: Date;
  /** When it last changed, when reported. */
  updatedAt?: Date;
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
    const said = serverText(conflict);
    super({
      status: conflict.status,
      method: conflict.method,
      url: conflict.url,
      code: conflict.code,
      requestId: conflict.requestId,
      retryAfterMs: conflict.retryAfterMs,
      message:
        `scheduled job ${namespace}/${scheduledJobId} already has a run in progress and its concurrency is off, ` +
        `so no new run was started; wait for the current run to finish or enable concurrency${said ? ` (service: ${said})` : ""}`,
    });
    this.namespace = namespace;
    this.scheduledJobId = scheduledJobId;
    this.cause = conflict;
  }
}

// ---------------------------------------------------------------------------------------------
// Schedule validation

const ALIASES = ["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually"] as const;

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
  hint: string;
}

const MONTHS: Record<string, number> = {
  JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12,
};
const WEEKDAYS: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

const CRON_FIELDS: readonly CronField[] = [
  { name: "minute", min: 0, max: 59, hint: "0-59" },
  { name: "hour", min: 0, max: 23, hint: "0-23" },
  { name: "day of month", min: 1, max: 31, hint: "1-31" },
  { name: "month", min: 1, max: 12, names: MONTHS, hint: "1-12 or JAN-DEC" },
  // 7 is Sunday too, as in every common cron.
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS, hint: "0-7 (0 and 7 are Sunday) or SUN-SAT" },
];

const SCHEDULE_HELP =
  "use @hourly, @daily, @weekly, @monthly, @yearly, @annually, or 5 cron fields: minute hour day-of-month month day-of-week (e.g. \"0 9 * * 1\")";

/**
 * Checks a schedule and returns it normalised (outer white space trimmed, fields separated by
 * one space, aliases lower-cased). Accepted: `@hourly`, `@daily`, `@weekly`, `@monthly`,
 * `@yearly`, `@annually`, or 5 cron fields (minute, hour, day of month, month, day of week).
 * Each field is a comma-separated list of items; an item is `*`, a value `a`, a range `a-b`,
 * or `*` or `a-b` followed by a step `/n`. Values: minute 0-59, hour 0-23, day of month 1-31,
 * month 1-12 or `JAN`-`DEC`, day of week 0-7 (0 and 7 are Sunday) or `SUN`-`SAT` (names in any
 * case). Rejected, because the service's parser is not documented and only the portable subset
 * is safe: seconds or year fields, `?`, `L`, `W`, `#`, steps after a single value (`5/15`),
 * backwards ranges. Throws a `ValidationError` (field `schedule`) naming the bad part; sends
 * nothing.
 *
 * ```ts
 * validateSchedule("0-59/15 9-17 * * MON-FRI"); // every 15 minutes in office hours
 * validateSchedule(" @Daily "); // "@daily"
 * validateSchedule("0 24 * * *"); // throws: hour "24" is out of range 0-23
 * ```
 */
export function validateSchedule(schedule: string): string {
  if (typeof schedule !== "string") throw new ValidationError("schedule", `expected a string; ${SCHEDULE_HELP}`);
  const trimmed = schedule.trim();
  if (trimmed === "") throw new ValidationError("schedule", `is empty; ${SCHEDULE_HELP}`);
  if (trimmed.length > 200) throw new ValidationError("schedule", "is longer than 200 characters");
  if (trimmed.startsWith("@")) {
    const alias = trimmed.toLowerCase();
    if ((ALIASES as readonly string[]).includes(alias)) return alias;
    throw new ValidationError("schedule", `"${trimmed}" is not a supported alias; ${SCHEDULE_HELP}`);
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    const extra = fields.length > 5 ? " (a seconds or year field is not supported)" : "";
    throw new ValidationError("schedule", `"${trimmed}" has ${fields.length} fields${extra}; ${SCHEDULE_HELP}`);
  }
  fields.forEach((text, i) => {
    const field = CRON_FIELDS[i];
    if (field) checkCronField(field, text, trimmed);
  });
  return fields.join(" ");
}

function checkCronField(field: CronField, text: string, schedule: string): void {
  const fail = (detail: string): never => {
    throw new ValidationError("schedule", `${field.name} ${detail} in "${schedule}" (allowed: ${field.hint})`);
  };
  for (const item of text.split(",")) {
    if (item === "") fail(`"${text}" has an empty list entry`);
    const parts = item.split("/");
    if (parts.length > 2) fail(`"${item}" has more than one step`);
    const [base = "", step] = parts;
    if (step !== undefined) {
      if (!/^\d+$/.test(step)) fail(`step "${step}" is not a whole number`);
      const n = Number(step);
      if (n < 1 || n > field.max) fail(`step "${step}" is out of range 1-${field.max}`);
    }
    if (base === "*") continue;
    const bounds = base.split("-");
    if (bounds.length > 2) fail(`"${base}" is not a value or a range a-b`);
    const [from = "", to] = bounds;
    const a = cronValue(field, from, fail);
    if (to === undefined) {
      if (step !== undefined) fail(`"${item}" steps from a single value; write "${base}-${field.max}/${step}" or "*/${step}"`);
      continue;
    }
    const b = cronValue(field, to, fail);
    if (a > b) fail(`range "${base}" runs backwards`);
  }
}

function cronValue(field: CronField, text: string, fail: (detail: string) => never): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < field.min || n > field.max) fail(`"${text}" is out of range ${field.min}-${field.max}`);
    return n;
  }
  const named = field.names?.[text.toUpperCase()];
  return named ?? fail(`"${text}" is not a valid value`);
}

// ---------------------------------------------------------------------------------------------
// Wire conversion

/**
 * Converts a scheduled job from the wire. Tolerant (reference §17.2): the timeout may be called
 * `timeoutSeconds` (JS) or `timeout` (OAS, read by PY), secrets may be names or a map, missing
 * collections become empty. `namespace` is the one the request used, the fallback when the
 * response has no `owner`.
 * @internal
 */
export function toScheduledJob(wire: ScheduledJobWire, namespace: string): ScheduledJob {
  const spec = wire.jobSpec;
  const owner = entity(wire.owner);
  const labels = spec.labels ?? {};
  const lastJob = wire.status?.lastJob;
  const job: ScheduledJobSpec = defined({
    image: spec.spaceId ? `hf.co/spaces/${spec.spaceId}` : (spec.dockerImage ?? ""),
    command: spec.command ?? [],
    args: spec.arguments ?? [],
    flavor: spec.flavor ?? "cpu-basic",
    env: spec.environment ?? {},
    secretNames: toSecretNames(spec.secrets),
    timeout: spec.timeoutSeconds ?? spec.timeout ?? undefined,
    labels,
    volumes: toVolumes(spec.volumes),
    expose: spec.expose?.ports?.length ? spec.expose.ports : undefined,
    arch: spec.arch ?? undefined,
    attempts: spec.attempts ?? undefined,
    resourceGroupId: spec.resourceGroupId ?? undefined,
  });
  return defined({
    id: wire.id,
    namespace: owner?.name ?? namespace,
    name: labels.name,
    schedule: wire.schedule,
    suspended: wire.suspend ?? false,
    concurrency: wire.concurrency ?? false,
    job,
    lastRun: lastJob ? defined({ jobId: lastJob.id, at: date(lastJob.at) }) : undefined,
    nextRunAt: date(wire.status?.nextJobRunAt),
    owner,
    createdAt: date(wire.createdAt),
    updatedAt: date(wire.updatedAt),
  });
}

/**
 * Builds the body of `POST /api/scheduled-jobs/{ns}` from a plain job spec (reference §13.1;
 * uv specs are converted to plain ones first, by {@link ScheduledJobs.create}).
 * `suspend` and `concurrency` are always sent, `false` when not given, so the result never
 * depends on server defaults. Pure; throws a `ValidationError` (fields prefixed `job.`) first.
 * @internal
 */
export function buildScheduledBody(
  schedule: string,
  job: ScheduledRunSpec,
  flags: { suspend?: boolean; concurrency?: boolean } = {},
): ScheduledJobCreateWire {
  const checked = validateSchedule(schedule);
  for (const key of ["suspend", "concurrency"] as const) {
    const value = flags[key];
    if (value !== undefined && typeof value !== "boolean") throw new ValidationError(key, "expected a boolean");
  }
  if (job === null || typeof job !== "object") throw new ValidationError("job", "expected a job spec object");
  // A RunSpec may be passed as is (JS callers, or a shared variable): refuse SSH rather than drop it.
  const ssh: unknown = (job as { ssh?: unknown }).ssh;
  if (ssh !== undefined && ssh !== false) {
    throw new ValidationError("job.ssh", "SSH is not available for scheduled jobs; remove it (use client.run for an SSH job)");
  }
  let jobSpec: ScheduledJobCreateWire["jobSpec"];
  try {
    jobSpec = buildJobSpec(job as JobSpecInput);
  } catch (error) {
    throw prefixField(error, "job");
  }
  return { jobSpec, schedule: checked, suspend: flags.suspend ?? false, concurrency: flags.concurrency ?? false };
}

/** Re-labels a `ValidationError` of a nested spec (`timeout` becomes `job.timeout`). */
function prefixField(error: unknown, prefix: string): unknown {
  if (!(error instanceof ValidationError)) return error;
  const head = `Invalid ${error.field}: `;
  const detail = error.message.startsWith(head) ? error.message.slice(head.length) : error.message;
  return new ValidationError(`${prefix}.${error.field}`, detail);
}

/** The server's own words in an API error, without the status/method/url prefix. */
function serverText(error: ApiError): string {
  let text = error.message;
  const head = `${error.status} ${error.method} ${error.url}: `;
  if (text.startsWith(head)) text = text.slice(head.length);
  const tail = error.requestId ? ` (request id ${error.requestId})` : "";
  if (tail && text.endsWith(tail)) text = text.slice(0, -tail.length);
  return text;
}

const ScheduledJobListWire = z.array(ScheduledJobWire);
const NAMESPACE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

// ---------------------------------------------------------------------------------------------
// Client

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
    const job = await toRunSpec(spec.job);
    const body = buildScheduledBody(spec.schedule, job, { suspend: spec.suspend, concurrency: spec.concurrency });
    const jobNamespace = job.namespace;
    if (spec.namespace !== undefined && jobNamespace !== undefined && spec.namespace !== jobNamespace) {
      throw new ValidationError("namespace", `"${spec.namespace}" differs from job.namespace "${jobNamespace}"; keep one`);
    }
    const core = this.#ctx;
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

/** A uv spec becomes a plain one (reading its local files); a plain spec passes through. */
async function toRunSpec(job: ScheduledJobInput): Promise<ScheduledRunSpec | RunSpec> {
  if (job === null || typeof job !== "object") throw new ValidationError("job", "expected a job spec object");
  if (!("script" in job)) return job;
  try {
    return await buildUvRunSpec(job);
  } catch (error) {
    throw prefixField(error, "job");
  }
}

/** `/api/scheduled-jobs/{ns}[/{id}[suffix]]`. */
function scheduledPath(namespace: string, id?: string, suffix = ""): string {
  // Same rule as references (spec.ts): encodeURIComponent keeps dots, and URL parsing would
  // resolve a `..` namespace to another API route.
  if (!NAMESPACE_RE.test(namespace)) {
    throw new ValidationError("namespace", `${JSON.stringify(namespace)} is not a user or organisation name (letters, digits, ., _ and -)`);
  }
  const base = `/api/scheduled-jobs/${encodeURIComponent(namespace)}`;
  return id === undefined ? base : `${base}/${encodeURIComponent(id)}${suffix}`;
}

function pick(options: RequestOptions): Pick<RequestOptions, "signal" | "timeoutMs"> {
  return { signal: options.signal, timeoutMs: options.timeoutMs };
}
