/**
 * The HTTP transport: one place that sets headers and timeouts, retries what is safe to retry,
 * and turns every failure into a typed, redacted error.
 * @internal
 * @module
 */
import ky, { TimeoutError as KyTimeoutError } from "ky";
import type { z } from "zod";
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
  ResponseValidationError,
  ValidationError,
  abortError,
} from "../errors.js";
import { ErrorBodyWire } from "../schemas.js";
import { VERSION } from "../version.js";
import { linkAbort } from "./abort.js";
import { redact } from "./redact.js";
import { DEFAULT_RETRY_POLICY, RETRYABLE_STATUSES, type RetryPolicy, backoffMs, retryAfterMs } from "./retry.js";
import { sleep } from "./sleep.js";

/** How a request may be repeated. */
export type RetryMode =
  /** Safe to repeat (GET, PUT labels, DELETE, cancel, suspend, resume). */
  | "idempotent"
  /** Creates a job: repeated only when it surely never reached the server. */
  | "create";

/** One request. */
export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below the endpoint (`/api/...`) or an absolute URL (pagination links). */
  path: string;
  query?: Array<[string, string]>;
  body?: unknown;
  /** Send the token (every route but the hardware list). */
  auth?: boolean;
  retry: RetryMode;
  /** A 404 here means the job (or scheduled job) does not exist. */
  jobUrl?: boolean;
  accept?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Extra values to mask in error messages (the secrets of a run spec). */
  secrets?: string[];
  /**
   * Statuses thrown at once even though they are normally retried (e.g. `[500]` on `/metrics`,
   * where 500 is how the service says the job is over).
   */
  noRetryStatuses?: readonly number[];
}

/** Transport settings, fixed per client. */
export interface TransportOptions {
  endpoint: string;
  /** Resolves the token; undefined when there is none (the caller decides whether that is an error). */
  token: () => Promise<string>;
  timeoutMs: number;
  retry: RetryPolicy;
  fetch?: typeof globalThis.fetch;
  userAgent?: string;
  /** Called once per attempt, for `DEBUG` output; never receives the token. */
  onRequest?: (info: { method: string; url: string; attempt: number }) => void;
}

const USER_AGENT = `@org/hf-jobs/${VERSION} (node ${process.version})`;
// Network errors that happen before a byte of the request can have reached the server.
const NEVER_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ERR_INVALID_URL"]);

export class Transport {
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#options = { ...options, retry: { ...DEFAULT_RETRY_POLICY, ...options.retry } };
  }

  get endpoint(): string {
    return this.#options.endpoint;
  }

  /** Sends a request and parses its JSON body with `schema`. */
  async json<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<z.infer<S>> {
    return (await this.jsonResponse(request, schema)).value;
  }

  /**
   * Sends a request and parses its JSON body with `schema`; also returns the response headers
   * (pagination links). The body is read within the attempt, under the request's timeout and
   * signal: a stalled body times out, a dropped one is a network error (retried for idempotent
   * requests, an `AmbiguousCreateError` for a create).
   */
  async jsonResponse<S extends z.ZodType>(
    request: HttpRequest,
    schema: S,
  ): Promise<{ value: z.infer<S>; headers: Headers; url: string }> {
    const { response, text = "" } = await this.#exchange(request, true);
    const where = `${request.method} ${redact(response.url || this.#url(request.path), request.secrets)}`;
    let value: unknown;
    try {
      value = text === "" ? null : JSON.parse(text);
    } catch {
      throw new ResponseValidationError(`${where}: the response is not JSON`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
      throw new ResponseValidationError(`${where}: unexpected response${at}: ${issue?.message ?? "invalid"}`);
    }
    return { value: parsed.data, headers: response.headers, url: response.url };
  }

  /** Sends a request whose response body is not needed. */
  async empty(request: HttpRequest): Promise<Response> {
    const response = await this.send(request);
    await response.body?.cancel().catch(() => {});
    return response;
  }

  /** Sends a request and returns the successful response with its body unread (streams). */
  async send(request: HttpRequest): Promise<Response> {
    return (await this.#exchange(request, false)).response;
  }

  /** The attempt loop; with `readBody`, the body text is read inside each attempt. */
  async #exchange(request: HttpRequest, readBody: boolean): Promise<{ response: Response; text?: string }> {
    const { retry: policy } = this.#options;
    const timeoutMs = checkTimeoutMs(request.timeoutMs ?? this.#options.timeoutMs);
    const url = this.#url(request.path, request.query);
    const headers: Record<string, string> = {
      "user-agent": this.#options.userAgent ?? USER_AGENT,
      accept: request.accept ?? "application/json",
    };
    const secrets = [...(request.secrets ?? [])];
    // The token only goes to the endpoint's origin, never to a host named by a response (`Link`).
    if (request.auth !== false && new URL(url).origin === new URL(this.#options.endpoint).origin) {
      const token = await this.#options.token();
      headers.authorization = `Bearer ${token}`;
      secrets.push(token);
    }
    let body: string | undefined;
    if (request.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.body);
    }
    for (let attempt = 0; ; attempt++) {
      if (request.signal?.aborted) throw abortError(request.signal);
      this.#options.onRequest?.({ method: request.method, url, attempt });
      let response: Response;
      const started = Date.now();
      // Aborts the body of this attempt when its read times out. A stream's body outlives this
      // call, so it keeps the caller's signal itself.
      const attemptController = new AbortController();
      const unlink = readBody ? linkAbort(request.signal, attemptController) : () => {};
      try {
        response = await ky(url, {
          method: request.method,
          headers,
          body,
          signal: readBody ? attemptController.signal : request.signal,
          timeout: timeoutMs,
          retry: 0,
          throwHttpErrors: false,
          fetch: this.#options.fetch,
        });
      } catch (error) {
        unlink();
        if (request.signal?.aborted) throw abortError(request.signal);
        const failure = this.#networkError(error, request, url, secrets);
        const retryable = request.retry === "idempotent" || failure.neverSent;
        if (!retryable || attempt >= policy.maxRetries) throw failure.error;
        await sleep(backoffMs(attempt, policy), request.signal);
        continue;
      }
      if (response.ok) {
        if (!readBody) return { response };
        try {
          const text = await readText(response, attemptController, timeoutMs - (Date.now() - started));
          return { response, text };
        } catch (error) {
          if (request.signal?.aborted) throw abortError(request.signal);
          // The request reached the server: only an idempotent one may be sent again.
          const failure = this.#networkError(error, request, url, secrets);
          if (request.retry !== "idempotent" || attempt >= policy.maxRetries) throw failure.error;
          await sleep(backoffMs(attempt, policy), request.signal);
          continue;
        } finally {
          unlink();
        }
      }
      unlink();
      const waitMs = retryAfterMs(response.headers);
      const canRetry =
        request.retry === "idempotent" &&
        RETRYABLE_STATUSES.has(response.status) &&
        !request.noRetryStatuses?.includes(response.status) &&
        attempt < policy.maxRetries &&
        (waitMs === undefined || waitMs <= policy.maxRetryAfterMs);
      if (!canRetry) throw await this.#apiError(response, request, url, secrets, waitMs);
      await response.body?.cancel().catch(() => {});
      await sleep(waitMs ?? backoffMs(attempt, policy), request.signal);
    }
  }

  #url(path: string, query?: Array<[string, string]>): string {
    const url = new URL(/^https?:\/\//.test(path) ? path : `${this.#options.endpoint}${path}`);
    for (const [key, value] of query ?? []) url.searchParams.append(key, value);
    return url.toString();
  }

  #networkError(
    error: unknown,
    request: HttpRequest,
    url: string,
    secrets: string[],
  ): { error: Error; neverSent: boolean } {
    const where = `${request.method} ${redact(url, secrets)}`;
    if (error instanceof KyTimeoutError || error instanceof BodyTimeoutError) {
      const hint =
        request.retry === "create"
          ? "; the job may have been created: look it up by one of its labels before running it again"
          : "";
      return { error: new RequestTimeoutError(`${where} timed out${hint}`), neverSent: false };
    }
    const code = errorCode(error);
    const neverSent = code !== undefined && NEVER_SENT_CODES.has(code);
    const detail = redact(describe(error), secrets);
    if (request.retry === "create" && !neverSent) {
      return {
        error: new AmbiguousCreateError(
          `${where} lost its connection (${detail}); the job may have been created: look it up by one of its labels before running it again`,
        ),
        neverSent,
      };
    }
    return { error: new ConnectionError(`${where} failed: ${detail}`), neverSent };
  }

  async #apiError(
    response: Response,
    request: HttpRequest,
    url: string,
    secrets: string[],
    waitMs: number | undefined,
  ): Promise<ApiError> {
    const text = await response.text().catch(() => "");
    // Everything that came from the server (or from a `Link` it sent) may echo a secret back.
    const clean = (value: string | null) => (value === null ? undefined : redact(value, secrets));
    const init: ApiErrorInit = {
      status: response.status,
      method: request.method,
      url: redact(url, secrets),
      message: redact(errorMessage(response, text), secrets),
      code: clean(response.headers.get("x-error-code")),
      requestId: clean(
        response.headers.get("x-request-id") ??
          response.headers.get("x-amzn-trace-id") ??
          response.headers.get("x-amz-cf-id"),
      ),
      retryAfterMs: waitMs,
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
}

/** The longest delay a timer accepts (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Checks a `timeoutMs`: a number of ms in (0, 2^31 - 1], else a `ValidationError`. */
export function checkTimeoutMs(value: number, field = "timeoutMs"): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new ValidationError(field, `expected a number of milliseconds above 0 and at most ${MAX_TIMEOUT_MS}`);
  }
  return value;
}

/** The body of a response did not arrive within the request's timeout. */
class BodyTimeoutError extends Error {
  override name = "BodyTimeoutError";
}

/**
 * Reads a body as text within `ms`: on time out, aborts the attempt (which closes the body) and
 * rejects with a `BodyTimeoutError`. Also rejects when the attempt's signal aborts, even with a
 * `fetch` that ignores the signal once the headers arrived.
 */
function readText(response: Response, controller: AbortController, ms: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const signal = controller.signal;
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(signal.reason instanceof BodyTimeoutError ? signal.reason : abortError(signal));
    };
    const timer = setTimeout(() => controller.abort(new BodyTimeoutError("the response body timed out")), Math.max(0, ms));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    response.text().then(
      (text) => {
        done();
        resolve(text);
      },
      (error: unknown) => {
        done();
        reject(signal.reason instanceof BodyTimeoutError ? signal.reason : error);
      },
    );
  });
}

/** The message of an error response, from the places the service puts it (reference §2). */
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
  const plain = text.trim().slice(0, 500);
  return plain || response.statusText || "request failed";
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
