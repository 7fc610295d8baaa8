/**
 * The naming rules every entry point shares (SDK, scheduled jobs, PEP 723 tables, CLI): what a
 * namespace, a job reference and an environment variable name may be. Each rule is defined here
 * once, except the namespace pattern: the emulator checks it too, so it lives with the wire
 * schemas. A bad value is a {@link ValidationError} before any request is sent.
 * @internal
 * @module
 */
import { NAMESPACE_PATTERN } from "../wire/schemas.js";
import { ValidationError } from "./errors.js";

/** A job or scheduled-job id: letters, digits, `_` and `-` (it too becomes a path segment). */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** An environment variable (or secret) name as POSIX shells accept it: `[A-Za-z_][A-Za-z0-9_]*`. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `value` is a valid namespace (see {@link NAMESPACE_PATTERN}). */
export function isValidNamespace(value: unknown): value is string {
  return typeof value === "string" && NAMESPACE_PATTERN.test(value);
}

/** Whether `value` is a valid environment variable or secret name (see {@link ENV_NAME_PATTERN}). */
export function isEnvName(value: unknown): value is string {
  return typeof value === "string" && ENV_NAME_PATTERN.test(value);
}

/** A job reference split into its parts; `namespace` is absent for a bare id. */
export interface ParsedJobRef {
  namespace?: string;
  id: string;
}

/**
 * Splits `namespace/id` references; a bare id has no namespace (the caller supplies its own).
 * Anything else is a {@link ValidationError} on `field`.
 */
export function parseJobRef(ref: unknown, field = "job"): ParsedJobRef {
  if (typeof ref !== "string" || ref.trim() === "") throw new ValidationError(field, "expected a job id or namespace/jobId");
  const parts = ref.split("/");
  if (parts.length === 1) return { id: checkId(field, ref) };
  if (parts.length === 2 && isValidNamespace(parts[0])) {
    return { namespace: parts[0], id: checkId(field, parts[1] ?? "") };
  }
  throw new ValidationError(field, `"${ref}" is not a job id or namespace/jobId`);
}

function checkId(field: string, id: string): string {
  if (!JOB_ID_PATTERN.test(id)) throw new ValidationError(field, `"${id}" is not a valid id`);
  return id;
}
