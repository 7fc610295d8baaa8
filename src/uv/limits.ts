/**
 * The three size limits of a uv job, checked before any request because past them the job
 * could only fail once scheduled: one argument or environment entry (Linux's MAX_ARG_STRLEN),
 * the whole argv + envp of the container's first command (below ARG_MAX), and the bytes of
 * shipped files. Each check throws a {@link ValidationError} naming the field to blame, with
 * sizes only, never a value.
 * @module
 */
import { ValidationError } from "../core/errors.js";

/** Linux MAX_ARG_STRLEN: the longest single argv or envp string, its final NUL included. */
export const MAX_ARG_BYTES = 131072;

/**
 * Most bytes the job's command line and environment may take together in the container, counted
 * as Linux counts them at `execve`: every argument and every `NAME=value` environment entry
 * (`env`, `secrets` and the shipped-file variables) as its UTF-8 bytes plus a NUL plus an 8-byte
 * pointer. Linux refuses an exec past ARG_MAX (2 MiB with the usual 8 MiB stack) with E2BIG, which
 * would only show once the job runs; `buildUvRunSpec` throws a {@link ValidationError}
 * instead. The remaining 512 KiB are left for what the image and the service add to the
 * environment (`PATH`, `HOME`, job variables), for uv's own additions when it starts Python, and
 * for the temporary directory the bootstrap puts in front of shipped file names.
 */
export const MAX_EXEC_BYTES = 1.5 * 1024 * 1024;

/**
 * Total bytes of shipped files (script plus `files` plus arguments naming local files). Base64
 * makes the environment 4/3 larger (about 683 KiB here), which keeps the request body under the
 * 1 MiB body limit common in HTTP front ends, leaves about 850 KiB for arguments and environment
 * within {@link MAX_EXEC_BYTES}, and keeps the job, which the service returns with its
 * environment on every inspect and list, a reasonable size.
 */
export const MAX_SHIPPED_BYTES = 512 * 1024;

/** At most this many shipped files, so the manifest stays a small single variable. */
export const MAX_SHIPPED_FILES = 100;

/** Bytes one `execve` string takes: UTF-8 bytes, NUL and the pointer to it. */
export function execBytes(value: string): number {
  return Buffer.byteLength(value, "utf8") + 1 + 8;
}

/** Refuses an argument Linux would refuse or alter: too long, holding a NUL, or not valid Unicode. */
export function checkArgument(field: string, arg: string): void {
  if (Buffer.byteLength(arg, "utf8") + 1 > MAX_ARG_BYTES) {
    throw new ValidationError(field, `is over ${MAX_ARG_BYTES - 1} bytes, the longest argument Linux accepts; ship the data as a file instead`);
  }
  if (arg.includes("\0")) throw new ValidationError(field, "contains a NUL character, which no process argument can hold");
  // A lone surrogate has no UTF-8 form: it would arrive as U+FFFD, not as given.
  if (Buffer.from(arg, "utf8").toString("utf8") !== arg) throw new ValidationError(field, "is not valid Unicode (lone surrogate)");
}

/** Refuses an environment entry over Linux's per-string limit. Non-strings are checked downstream. */
export function checkEnvEntry(field: string, key: string, value: unknown): void {
  if (typeof value === "string" && Buffer.byteLength(`${key}=${value}`, "utf8") + 1 > MAX_ARG_BYTES) {
    throw new ValidationError(
      `${field}.${key}`,
      `is over ${MAX_ARG_BYTES - 1} bytes with its name, the longest environment entry Linux accepts; ship the data as a file instead`,
    );
  }
}

/**
 * Throws when `fixedBytes` (the command's own strings, never blamed) plus every field's bytes
 * exceed {@link MAX_EXEC_BYTES}, blaming the field that takes the most room and listing the sizes.
 */
export function checkExecSize(fixedBytes: number, sizes: ReadonlyMap<string, number>): void {
  const total = fixedBytes + [...sizes.values()].reduce((a, b) => a + b, 0);
  if (total <= MAX_EXEC_BYTES) return;
  const [field] = [...sizes.entries()].reduce((a, b) => (b[1] > a[1] ? b : a));
  const detail = [...sizes.entries()]
    .filter(([, bytes]) => bytes > 0)
    .map(([name, bytes]) => `${name} ${bytes}`)
    .join(", ");
  throw new ValidationError(
    field,
    `the job's arguments and environment would take ${total} bytes in the container (${detail}), over the ${MAX_EXEC_BYTES}-byte (1.5 MiB) limit kept below Linux's 2 MiB ARG_MAX, past which the job could not start; put large data in a dataset, model or bucket and mount it with \`volumes\`, or fetch it from a URL`,
  );
}

/** Throws past {@link MAX_SHIPPED_BYTES}: blames the script when it alone is too big, else `files`. */
export function checkShippedTotal(scriptBytes: number, total: number): void {
  if (total <= MAX_SHIPPED_BYTES) return;
  throw new ValidationError(
    scriptBytes > MAX_SHIPPED_BYTES ? "script" : "files",
    `local files total ${total} bytes, over the ${MAX_SHIPPED_BYTES}-byte (${MAX_SHIPPED_BYTES / 1024} KiB) limit for files shipped inside the job; put large files in a dataset, model or bucket and mount it with \`volumes\`, or fetch them from a URL`,
  );
}
