/**
 * Names the service accepts: namespaces, environment variable names and job references.
 * @module
 */
import { ValidationError } from "./errors.js";

/** A user or organisation name: letters, digits, `.`, `_` and `-`, not starting with `.`, `_` or `-`. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Whether `value` is a user or organisation name ({@link NAMESPACE_PATTERN}). */
export function isValidNamespace(value: unknown): value is string {
  return typeof value === "string" && NAMESPACE_PATTERN.test(value);
}

/** An environment variable or secret name: letters, digits and `_`, not starting with a digit. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `value` is an environment variable or secret name ({@link ENV_NAME_PATTERN}). */
export function isEnvName(value: unknown): value is string {
  return typeof value === "string" && ENV_NAME_PATTERN.test(value);
}

/** Splits `namespace/id` references; a bare id has no namespace. Throws a {@link ValidationError} naming `field`. */
export function parseJobRef(ref: unknown, field = "job"): { namespace?: string; id: string } {
  if (typeof ref !== "string" || ref.trim() === "") throw new ValidationError(field, "expected a job id or namespace/jobId");
  const parts = ref.split("/");
  if (parts.length === 1) return { id: checkId(field, ref) };
  if (parts.length === 2 && isValidNamespace(parts[0])) return { namespace: parts[0], id: checkId(field, parts[1] ?? "") };
  throw new ValidationError(field, `"${ref}" is not a job id or namespace/jobId`);
}

function checkId(field: string, id: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new ValidationError(field, `"${id}" is not a valid id`);
  return id;
}
