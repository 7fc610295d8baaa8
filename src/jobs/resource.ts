/**
 * The jobs resource: one method per route of `/api/jobs` (run, inspect, list, cancel, labels,
 * duplicate, hardware). Each validates its input with the pure functions of `spec.ts`, sends one
 * request through the transport and converts the answer with `parse.ts`. Features (streams,
 * waits, fan-out) build on this class, never on the `JobsClient` facade.
 * @internal
 * @module
 */
import * as z from "zod";
import type { ClientContext } from "../core/context.js";
import { ValidationError } from "../core/errors.js";
import { PagedList, nextLink } from "../core/pagination.js";
import { HardwareWire, JobWire } from "../wire/schemas.js";
import type { Hardware, Job, ListOptions, RequestOptions, RunSpec, WhoAmI } from "../types.js";
import { toHardware } from "./parse.js";
import { buildRunBody, checkEnvAgainstToken, validateLabels } from "./spec.js";

/** Options of calls that address one job. */
export interface JobRequestOptions extends RequestOptions {
  /** Namespace of the job, when the reference is a bare id; default the client's. */
  namespace?: string;
}

const JobListWire = z.array(JobWire);
const HardwareListWire = z.array(HardwareWire);

export class JobsResource {
  readonly context: ClientContext;

  constructor(context: ClientContext) {
    this.context = context;
  }

  async run(spec: RunSpec, options: RequestOptions = {}): Promise<Job> {
    const body = buildRunBody(spec);
    const ctx = this.context;
    // The client's own token in `env` would be readable by anyone who can inspect the job.
    checkEnvAgainstToken(body.environment, await ctx.token());
    const namespace = await ctx.namespace(spec.namespace, options.signal);
    const wire = await ctx.transport.json(
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
    return ctx.toJob(wire, namespace);
  }

  async inspect(ref: string, options: JobRequestOptions = {}): Promise<Job> {
    const ctx = this.context;
    const job = await ctx.ref(ref, options.namespace, options.signal);
    const wire = await ctx.transport.json(
      { method: "GET", path: ctx.jobPath(job), retry: "idempotent", jobUrl: true, ...pick(options) },
      JobWire,
    );
    return ctx.toJob(wire, job.namespace);
  }

  list(options: ListOptions = {}): PagedList<Job> {
    const ctx = this.context;
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
      namespace ??= await ctx.namespace(options.namespace, options.signal);
      const { value, headers } = await ctx.transport.jsonResponse(
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
      return { items: value.map((wire) => ctx.toJob(wire, ns)), next };
    });
  }

  async cancel(ref: string, options: JobRequestOptions = {}): Promise<Job> {
    const ctx = this.context;
    const job = await ctx.ref(ref, options.namespace, options.signal);
    // The service does not promise a body here: without a job in it, fetch the job.
    const wire = await ctx.transport.optionalJson(
      { method: "POST", path: ctx.jobPath(job, "/cancel"), retry: "idempotent", jobUrl: true, ...pick(options) },
      JobWire,
    );
    if (wire !== undefined) return ctx.toJob(wire, job.namespace);
    return this.inspect(`${job.namespace}/${job.id}`, options);
  }

  async setLabels(ref: string, labels: Record<string, string>, options: JobRequestOptions = {}): Promise<Job> {
    const checked = validateLabels(labels);
    const ctx = this.context;
    const job = await ctx.ref(ref, options.namespace, options.signal);
    const wire = await ctx.transport.json(
      {
        method: "PUT",
        path: ctx.jobPath(job, "/labels"),
        body: { labels: checked },
        retry: "idempotent",
        jobUrl: true,
        ...pick(options),
      },
      JobWire,
    );
    return ctx.toJob(wire, job.namespace);
  }

  async duplicate(ref: string, options: JobRequestOptions = {}): Promise<Job> {
    const ctx = this.context;
    const job = await ctx.ref(ref, options.namespace, options.signal);
    const wire = await ctx.transport.json(
      { method: "POST", path: ctx.jobPath(job, "/duplicate"), retry: "create", jobUrl: true, ...pick(options) },
      JobWire,
    );
    return ctx.toJob(wire, job.namespace);
  }

  async hardware(options: RequestOptions = {}): Promise<Hardware[]> {
    const wire = await this.context.transport.json(
      { method: "GET", path: "/api/jobs/hardware", auth: false, retry: "idempotent", ...pick(options) },
      HardwareListWire,
    );
    return wire.map(toHardware);
  }

  whoami(options: RequestOptions = {}): Promise<WhoAmI> {
    return this.context.whoami(options.signal);
  }
}

/** The per-call settings every request takes. */
export function pick(options: RequestOptions): Pick<RequestOptions, "signal" | "timeoutMs"> {
  return { signal: options.signal, timeoutMs: options.timeoutMs };
}
