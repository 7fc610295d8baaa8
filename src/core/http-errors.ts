/**
 * The one mapping from a failed exchange to a typed error: {@link apiErrorFrom} for an HTTP
 * status, {@link networkErrorFrom} for a connection or timeout failure. Everything here is
 * redacted before it is kept, since a server may echo a request (and so a secret) back.
 * @internal
 * @module
 */
import {
  AmbiguousCreateError,
  ApiError,
  type ApiErrorInit,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  JobNotFoundError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestTimeoutError,
} from "./errors.js";
import { ErrorBodyWire } from "../wire/schemas.js";
import { redact } from "./redact.js";

/** What the error mapping needs to know about the request that failed. */
export interface FailedRequest {
  method: string;
  /** The full URL, unredacted: it is redacted here. */
  url: string;
  /** Whether the request creates a job (a lost answer then leaves the outcome unknown). */
  create: boolean;
  /** A 404 means the addressed job (or scheduled job) does not exist. */
  jobUrl?: boolean;
  /** Values to mask, besides token-shaped strings. */
  secrets: readonly string[];
}

/** The reason an attempt is aborted when its deadline (`timeoutMs`) passes; never leaves the transport. */
export class BodyTimeoutError extends Error {
  override name = "BodyTimeoutError";
}

/** The longest message kept from an error response (cut after redaction, never before). */
const MAX_ERROR_MESSAGE_CHARS = 500;

/**
 * Whether a failed create may have reached the server and started a job: anything but a refusal
 * (4xx except 408) or a redirect.
 */
function mayHaveCreated(request: FailedRequest, status: number): boolean {
  return request.create && (status >= 500 || status === 408);
}

/** Cuts a redacted message to {@link MAX_ERROR_MESSAGE_CHARS}. */
function cut(text: string): string {
  return text.length > MAX_ERROR_MESSAGE_CHARS ? `${text.slice(0, MAX_ERROR_MESSAGE_CHARS)}…` : text;
}

const CREATE_HINT = "; the job may have been created: look it up by one of its labels before running it again";

/**
 * The typed error of an HTTP status, `apiErrorFrom` in the manner of openai-node's
 * `APIError.generate`. `text` is the (capped) body; `message` replaces what the body says.
 */
export function apiErrorFrom(
  response: Response,
  text: string,
  request: FailedRequest,
  retryAfterMs: number | undefined,
  message?: string,
): ApiError {
  const clean = (value: string | null) => (value === null ? undefined : cut(redact(value, request.secrets)));
  const said = cut(redact(errorMessage(response, text), request.secrets));
  const init: ApiErrorInit = {
    status: response.status,
    method: request.method,
    url: redact(request.url, request.secrets),
    message: message === undefined ? said : cut(redact(message, request.secrets)),
    serverMessage: said,
    mayHaveCreated: mayHaveCreated(request, response.status),
    code: clean(response.headers.get("x-error-code")),
    requestId: clean(
      response.headers.get("x-request-id") ?? response.headers.get("x-amzn-trace-id") ?? response.headers.get("x-amz-cf-id"),
    ),
    retryAfterMs,
  };
  switch (response.status) {
    case 400:
      return new BadRequestError(init);
    case 401:
      return new AuthenticationError({ ...init, message: `invalid or expired token (${init.message})` });
    case 403:
      return new PermissionDeniedError({
        ...init,
        message: `${init.message}; check that the token may manage jobs in this namespace`,
      });
    case 404:
      return request.jobUrl
        ? new JobNotFoundError({ ...init, message: `job not found; check the job id and the namespace (${init.message})` })
        : new NotFoundError(init);
    case 409:
      return new ConflictError(init);
    case 429:
      return new RateLimitError(init);
    default:
      return response.status >= 500 ? new InternalServerError(init) : new ApiError(init);
  }
}

// Network errors that happen before a byte of the request can have reached the server.
const NEVER_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ERR_INVALID_URL"]);

/**
 * The typed error of a failure without an HTTP status. `neverSent` says the request surely did
 * not reach the server, so that even a create may be sent again.
 */
export function networkErrorFrom(
  error: unknown,
  request: FailedRequest,
  isTimeout: boolean,
): { error: Error; neverSent: boolean } {
  const where = `${request.method} ${redact(request.url, request.secrets)}`;
  if (isTimeout || error instanceof BodyTimeoutError) {
    const mayHave = request.create;
    return {
      error: new RequestTimeoutError(`${where} timed out${mayHave ? CREATE_HINT : ""}`, { mayHaveCreated: mayHave }),
      neverSent: false,
    };
  }
  const code = errorCode(error);
  const neverSent = code !== undefined && NEVER_SENT_CODES.has(code);
  const detail = redact(describe(error), request.secrets);
  if (request.create && !neverSent) {
    return { error: new AmbiguousCreateError(`${where} lost its connection (${detail})${CREATE_HINT}`), neverSent };
  }
  return { error: new ConnectionError(`${where} failed: ${detail}`), neverSent };
}

/** The message of an error response, from the places the service puts it (uncut, unredacted). */
export function errorMessage(response: Response, text: string): string {
  const header = response.headers.get("x-error-message");
  if (header) return header;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = ErrorBodyWire.safeParse(json);
  if (parsed.success) {
    const body = parsed.data;
    const parts: string[] = [];
    if (typeof body.error === "string") parts.push(body.error);
    else if (Array.isArray(body.error)) parts.push(body.error.join("; "));
    if (body.error_description) parts.push(body.error_description);
    if (parts.length === 0 && body.errors) {
      parts.push(...body.errors.map((e) => e.message).filter((m): m is string => typeof m === "string"));
    }
    if (parts.length === 0 && body.message) parts.push(body.message);
    if (parts.length > 0) return parts.join(": ");
  }
  return text.trim() || response.statusText || "request failed";
}

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current === "object" && "code" in current && typeof current.code === "string") return current.code;
    current = typeof current === "object" && "cause" in current ? current.cause : undefined;
  }
  return undefined;
}

function describe(error: unknown): string {
  const messages: string[] = [];
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    // Not only `Error`s: some fetch implementations reject with plain `{ code, message }` objects.
    const message = typeof current === "object" ? (current as { message?: unknown }).message : String(current);
    if (typeof message === "string" && message !== "" && !messages.includes(message)) messages.push(message);
    current = typeof current === "object" && "cause" in current ? current.cause : undefined;
  }
  const code = errorCode(error);
  const text = messages.join(": ");
  if (code && !text.includes(code)) return text ? `${text} (${code})` : code;
  return text || "network error";
}
