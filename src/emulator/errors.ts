// Error responses shaped like the Hub's: JSON `{"error": "..."}` plus the X-Error-Message header.
import { STATUS_CODES, type ServerResponse } from "node:http";

/** An error that becomes an HTTP error response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Messages of the error bodies, kept in one place so tests and docs agree with the server. */
export const MESSAGES = {
  unauthorized: "Invalid credentials in Authorization header",
  jobNotFound: "Job not found",
  scheduledJobNotFound: "Scheduled job not found",
  notFound: "Not Found",
  busy: "A run of this scheduled job is already in progress and concurrency is disabled",
  metricsFinished: "Job is not running: metrics are only available while it runs",
} as const;

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
