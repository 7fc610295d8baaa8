/**
 * The body of `POST /api/scheduled-jobs/{ns}`: pure payload building from a plain job spec, and
 * the conversion of a uv spec into one. Errors in the job carry its path (`job.timeout`).
 * @module
 */
import { ValidationError } from "../core/errors.js";
import { buildJobSpec } from "../jobs/spec.js";
import type { JobSpecInput, RunSpec } from "../types.js";
import { buildUvRunSpec } from "../uv/run-uv.js";
import type { ScheduledJobCreateWire } from "../wire/schemas.js";
import { validateSchedule } from "./schedule.js";
import type { ScheduledJobInput, ScheduledRunSpec } from "./types.js";

/**
 * Builds the body of `POST /api/scheduled-jobs/{ns}` from a plain job spec (uv specs are
 * converted first, by {@link toScheduledRunSpec}). `suspend` and `concurrency` are always sent,
 * `false` when not given, so the result never depends on server defaults. Pure; throws a
 * `ValidationError` (fields prefixed `job.`) first.
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
    throw underJob(error);
  }
  return { jobSpec, schedule: checked, suspend: flags.suspend ?? false, concurrency: flags.concurrency ?? false };
}

/** A uv spec becomes a plain one (reading its local files); a plain spec passes through. */
export async function toScheduledRunSpec(job: ScheduledJobInput): Promise<ScheduledRunSpec | RunSpec> {
  if (job === null || typeof job !== "object") throw new ValidationError("job", "expected a job spec object");
  if (!("script" in job)) return job;
  try {
    return await buildUvRunSpec(job);
  } catch (error) {
    throw underJob(error);
  }
}

/**
 * Re-labels a `ValidationError` of the nested spec (`timeout` becomes `job.timeout`); other errors pass.
 * @internal
 */
export function underJob(error: unknown): unknown {
  if (!(error instanceof ValidationError)) return error;
  const nested = new ValidationError(`job.${error.field}`, error.detail);
  nested.cause = error;
  return nested;
}
