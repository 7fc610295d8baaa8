/**
 * Error responses shaped like the Hub's: JSON `{"error": "..."}` plus the X-Error-Message header.
 * @module
 */
import { STATUS_CODES, type ServerResponse } from "node:http";

/** An error that becomes an HTTP error response. */
export class HttpError extends Error {
  /** HTTP status of the answer. */
  readonly status: number;
  /** Extra response headers, e.g. `Allow`. */
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
  }
}

/** Messages of the error bodies, kept in one place so tests and docs agree with the server. */
export const MESSAGES = {
  unauthorized: "Invalid credentials in Authorization header",
  jobNotFound: "Job not found",
  scheduledJobNotFound: "Scheduled job not found",
  busy: "A run of this scheduled job is already in progress and concurrency is disabled",
  metricsFinished: "Job is not running: metrics are only available while it runs",
  hostNotAllowed:
    "Host header not allowed by the @org/hf-jobs emulator: it answers to localhost, 127.0.0.1, [::1] and its bound host only (see the allowedHosts option)",
} as const;

/**
 * The answer to a route the emulator does not serve, e.g. the storage buckets the Python client
 * uploads local uv scripts to: a 404 that says the route is not emulated, rather than a bare
 * "Not Found" that reads like a missing job.
 */
export function notEmulated(method: string, pathname: string): HttpError {
  const shown = pathname.length > 200 ? `${pathname.slice(0, 200)}...` : pathname;
  return new HttpError(
    404,
    `${method} ${shown} is not emulated by @org/hf-jobs emulator: it serves the Jobs API (/api/jobs, /api/scheduled-jobs), /api/jobs/hardware and /api/whoami-v2 only`,
  );
}

/** A 403 for a namespace the token may not use. */
export function forbiddenNamespace(namespace: string): HttpError {
  return new HttpError(403, `You don't have the rights to use namespace "${namespace}" with this token`);
}

/** Header values must be printable ASCII; anything else is replaced. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 1000);
}

/** Sends `{"error": message}` with `X-Error-Message`, unless the response has already started. */
export function sendError(res: ServerResponse, status: number, message?: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const text = message ?? STATUS_CODES[status] ?? "Error";
  const body = JSON.stringify({ error: text });
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "X-Error-Message": headerSafe(text),
  });
  res.end(body);
}
