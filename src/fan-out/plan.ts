/**
 * Validation of {@link fanOut} options and resolution of every item's spec, all before any job
 * request: a bad option or spec throws a `ValidationError` naming the option or the item.
 * @internal
 * @module
 */
import { randomBytes } from "node:crypto";
import { ValidationError } from "../core/errors.js";
import { DEFAULT_CREATE_GRACE_MS } from "../jobs/create-once.js";
import { ATTEMPT_LABEL, type FanOutOptions, type FanOutSpec, INDEX_LABEL, type PlannedItem, SWEEP_LABEL } from "./types.js";
import { buildRunBody, parseTimeout } from "../jobs/spec.js";
import type { RunSpec } from "../types.js";
import { buildUvRunSpec, type UvSpec } from "../uv/run-uv.js";

const LABEL_VALUE_RE = /^[A-Za-z0-9._-]{1,100}$/;
const RESERVED_LABELS = [SWEEP_LABEL, INDEX_LABEL, ATTEMPT_LABEL];
const RESERVED_ENV = ["JOB_INDEX", "JOB_COUNT"];

/** Options with defaults applied. */
export interface ResolvedOptions {
  concurrency: number;
  retries: number;
  failFast: boolean;
  resume: boolean;
  maxCostUsd?: number;
  dryRun: boolean;
  cancelOnAbort: boolean;
  pollIntervalMs: number;
  createGraceMs: number;
  sweepId: string;
  /** Whether the id was given (then earlier jobs may carry it). */
  givenSweepId: boolean;
}

function positiveInt(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ValidationError(name, `expected an integer >= ${min}`);
  }
  return value;
}

function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new ValidationError(name, "expected a boolean");
  return value;
}

/** A new label-safe sweep id: `sweep-<UTC yyyymmddThhmmss>-<6 hex>`. */
export function newSweepId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "").toLowerCase();
  return `sweep-${stamp}-${randomBytes(3).toString("hex")}`;
}

/** Checks the options that do not depend on the items. */
export function resolveOptions<P, C>(options: FanOutOptions<P, C>): ResolvedOptions {
  if (options === null || typeof options !== "object") throw new ValidationError("options", "expected an object");
  if (!Array.isArray(options.params)) throw new ValidationError("params", "expected an array (e.g. from grid() or zip())");
  if (typeof options.job !== "function") throw new ValidationError("job", "expected a function (params, index) => spec");
  for (const name of ["onProgress", "collect"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") throw new ValidationError(name, "expected a function");
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new ValidationError("signal", "expected an AbortSignal");
  }
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  if (typeof pollIntervalMs !== "number" || !Number.isFinite(pollIntervalMs) || pollIntervalMs <= 0) {
    throw new ValidationError("pollIntervalMs", "expected a positive number of milliseconds");
  }
  const createGraceMs = options.createGraceMs ?? DEFAULT_CREATE_GRACE_MS;
  if (typeof createGraceMs !== "number" || !Number.isFinite(createGraceMs) || createGraceMs < 0) {
    throw new ValidationError("createGraceMs", "expected a non-negative number of milliseconds");
  }
  const max = options.maxCostUsd;
  if (max !== undefined && (typeof max !== "number" || !Number.isFinite(max) || max < 0)) {
    throw new ValidationError("maxCostUsd", "expected a non-negative number of US dollars");
  }
  if (options.namespace !== undefined && (typeof options.namespace !== "string" || options.namespace === "")) {
    throw new ValidationError("namespace", "expected a non-empty string");
  }
  const given = options.sweepId !== undefined;
  if (given && (typeof options.sweepId !== "string" || !LABEL_VALUE_RE.test(options.sweepId))) {
    throw new ValidationError("sweepId", "must be 1-100 letters, digits, ., - or _ (it is a label value)");
  }
  const resume = bool("resume", options.resume, false);
  if (resume && !given) throw new ValidationError("resume", "needs the sweepId of the sweep to resume");
  return {
    concurrency: positiveInt("concurrency", options.concurrency, 4, 1),
    retries: positiveInt("retries", options.retries, 0, 0),
    failFast: bool("failFast", options.failFast, false),
    resume,
    maxCostUsd: max,
    dryRun: bool("dryRun", options.dryRun, false),
    cancelOnAbort: bool("cancelOnAbort", options.cancelOnAbort, true),
    pollIntervalMs,
    createGraceMs,
    sweepId: options.sweepId ?? newSweepId(),
    givenSweepId: given,
  };
}

/** Whether a spec is a uv job (it has a `script`). */
export function isUvSpec(spec: FanOutSpec): spec is UvSpec {
  return "script" in spec && spec.script !== undefined;
}

/** Re-throws an error about one item as a `ValidationError` whose field names the item. */
function itemError(index: number, error: unknown): ValidationError {
  let out: ValidationError;
  if (error instanceof ValidationError) {
    const prefix = `Invalid ${error.field}: `;
    const detail = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    out = new ValidationError(`items[${index}].${error.field}`, detail);
  } else {
    out = new ValidationError(`items[${index}]`, `job() failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  out.cause = error;
  return out;
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * A copy of `secrets` whose values read as usual but print masked: `util.inspect` (so
 * `console.log`) and `JSON.stringify` show `***` for every value. The plan, and so the result of
 * a sweep, holds the specs it sends.
 */
export function maskedWhenPrinted(secrets: Record<string, string>): Record<string, string> {
  const copy = { ...secrets };
  const masked = () => Object.fromEntries(Object.keys(copy).map((key) => [key, "***"]));
  Object.defineProperty(copy, INSPECT, { value: masked, enumerable: false });
  Object.defineProperty(copy, "toJSON", { value: masked, enumerable: false });
  return copy;
}

/** Adds the sweep's labels of an attempt to a resolved spec. */
export function withAttempt(spec: RunSpec, attempt: number): RunSpec {
  return { ...spec, labels: { ...spec.labels, [ATTEMPT_LABEL]: String(attempt) } };
}

/**
 * Calls `job` for every item, resolves uv jobs, adds the sweep's labels and environment, and
 * validates the result exactly as `client.run` would. Also settles the sweep's namespace.
 */
export async function planItems<P, C>(
  options: FanOutOptions<P, C>,
  sweepId: string,
): Promise<{ items: Array<PlannedItem<P>>; namespace?: string }> {
  const count = options.params.length;
  const specs: RunSpec[] = [];
  for (const [index, params] of options.params.entries()) {
    try {
      const raw: unknown = await options.job(params, index);
      if (raw === null || typeof raw !== "object") throw new ValidationError("spec", "job() must return a spec object");
      const spec = raw as FanOutSpec;
      const run = isUvSpec(spec) ? await buildUvRunSpec(spec) : { ...spec };
      for (const key of RESERVED_LABELS) {
        if (run.labels && key in run.labels) throw new ValidationError(`labels.${key}`, "is set by fanOut; use another key");
      }
      for (const key of RESERVED_ENV) {
        if ((run.env && key in run.env) || (run.secrets && key in run.secrets)) {
          throw new ValidationError(`env.${key}`, "is set by fanOut (the item's index and the item count)");
        }
      }
      run.labels = { ...run.labels, [SWEEP_LABEL]: sweepId, [INDEX_LABEL]: String(index), [ATTEMPT_LABEL]: "1" };
      run.env = { ...run.env, JOB_INDEX: String(index), JOB_COUNT: String(count) };
      buildRunBody(run);
      if (run.secrets) run.secrets = maskedWhenPrinted(run.secrets);
      specs.push(run);
    } catch (error) {
      throw itemError(index, error);
    }
  }
  const namespace = options.namespace ?? specs.find((s) => s.namespace !== undefined)?.namespace;
  for (const [index, spec] of specs.entries()) {
    if (spec.namespace !== undefined && spec.namespace !== namespace) {
      throw new ValidationError(
        `items[${index}].namespace`,
        `"${spec.namespace}" differs from the sweep's namespace "${namespace}"; every job of a sweep runs in one namespace`,
      );
    }
    if (namespace !== undefined) spec.namespace = namespace;
  }
  const items = specs.map((spec, index) => ({ index, params: options.params[index] as P, spec }));
  return { items, namespace };
}

/** Whether a spec exposes ports (its jobs then cost $0.01/hour more). */
export function specExposesPorts(spec: RunSpec): boolean {
  return (spec.expose?.length ?? 0) > 0;
}

/** Flavor, timeout and exposed ports of a resolved spec, for the estimate. */
export function flavorAndTimeout(spec: RunSpec): { flavor: string; timeoutSeconds: number | undefined; exposesPorts: boolean } {
  return { flavor: spec.flavor ?? "cpu-basic", timeoutSeconds: parseTimeout(spec.timeout), exposesPorts: specExposesPorts(spec) };
}
