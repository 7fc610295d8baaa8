/**
 * The HTTP transport: one place that sets headers and timeouts, retries what is safe to retry,
 * and turns every failure into a typed, redacted error.
 * @internal
 * @module
 */
import type { z } from "zod";
import { ConnectionError, ResponseTooLargeError, ResponseValidationError, abortError } from "./errors.js";
import { checkTimeoutMs } from "./options.js";
import { BodyTimeoutError, apiErrorFrom, networkErrorFrom, type FailedRequest } from "./http-errors.js";
import { VERSION } from "../version.js";
import { linkAbort } from "./abort.js";
import { redact, withoutCutTail } from "./redact.js";
import { DEFAULT_RETRY_POLICY, RETRYABLE_STATUSES, type RetryPolicy, backoffMs, retryAfterMs } from "./retry.js";
import { sleep } from "./sleep.js";
import { MAX_REDIRECTS, REDIRECT_STATUSES, redirectTarget } from "./redirects.js";
import { type CappedBody, DEFAULT_MAX_RESPONSE_BYTES, MAX_ERROR_BODY_BYTES, announcesMore, readCapped } from "./body.js";

/** How a request may be repeated. */
export type RetryMode =
  /** Safe to repeat (GET, PUT labels, DELETE, cancel, suspend, resume). */
  | "idempotent"
  /** Creates a job: repeated only when it surely never reached the server. */
  | "create"
  /** Sent once, whatever happens: the caller has its own retry loop (a stream's reconnections). */
  | "none";

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
  /** Resolves the token; rejects with `MissingTokenError` when there is none. */
  token: () => Promise<string>;
  timeoutMs: number;
  retry: RetryPolicy;
  fetch?: typeof globalThis.fetch;
  userAgent?: string;
  /** Largest JSON answer read, in bytes; default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
  /** Called once per attempt, for `DEBUG` output; never receives the token. */
  onRequest?: (info: { method: string; url: string; attempt: number }) => void;
}

const USER_AGENT = `@org/hf-jobs/${VERSION} (node ${process.version})`;
/** Same-origin redirects a GET follows before the redirect is an error. */

/**
 * ky, loaded on the first request rather than with the package: its module builds a `Request`
 * when it is evaluated, which loads Node's whole fetch implementation, a cost that importing the
 * SDK should not pay before anything is sent.
 */
let kyModule: Promise<typeof import("ky")> | undefined;
const loadKy = () => {
  kyModule ??= import("ky");
  return kyModule;
};

/** What one attempt ended with, when it did not throw: an answer, a retry or a redirect. */
type Outcome = { response: Response; text?: string } | { retryInMs: number } | { redirectTo: string };

/** The HTTP transport of one client; see the module header. */
export class Transport {
  readonly #options: TransportOptions;
  readonly #origin: string;
  readonly #maxBytes: number;

  constructor(options: TransportOptions) {
    this.#options = { ...options, retry: { ...DEFAULT_RETRY_POLICY, ...options.retry } };
    this.#origin = new URL(options.endpoint).origin;
    this.#maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  /** Service URL, without a trailing slash. */
  get endpoint(): string {
    return this.#options.endpoint;
  }

  /** Sends a request and parses its JSON body with `schema`. */
  async json<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<z.infer<S>> {
    return (await this.jsonResponse(request, schema)).value;
  }

  /**
   * Sends a request and parses its JSON body with `schema`; also returns the response headers
   * (pagination links) and the URL answered. The body is read within the attempt, under the
   * request's timeout and signal and up to `maxResponseBytes`: a stalled body times out, a
   * dropped one is a network error (retried for idempotent requests, an `AmbiguousCreateError`
   * for a create).
   */
  async jsonResponse<S extends z.ZodType>(
    request: HttpRequest,
    schema: S,
  ): Promise<{ value: z.infer<S>; headers: Headers; url: string }> {
    const { response, text = "", failed } = await this.#exchange(request, true);
    // Only an error message needs the redacted URL.
    const where = () => `${request.method} ${redact(failed.url, failed.secrets)}`;
    // A create answered 2xx: the job exists even though its answer is unreadable.
    const options = { mayHaveCreated: request.retry === "create" };
    let value: unknown;
    try {
      value = text === "" ? null : JSON.parse(text);
    } catch {
      throw new ResponseValidationError(`${where()}: the response is not JSON`, options);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
      throw new ResponseValidationError(`${where()}: unexpected response${at}: ${issue?.message ?? "invalid"}`, options);
    }
    return { value: parsed.data, headers: response.headers, url: response.url };
  }

  /**
   * Like {@link jsonResponse}, for routes whose answer may have no body or another shape
   * (cancel): the body is still read under the timeout, signal and size cap, and `undefined`
   * stands for "no usable body" instead of a `ResponseValidationError`.
   */
  async optionalJson<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<z.infer<S> | undefined> {
    const { text = "" } = await this.#exchange(request, true);
    if (text.trim() === "") return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  }

  /** Sends a request whose response body is not needed; the body is still read under the deadline. */
  async empty(request: HttpRequest): Promise<void> {
    await this.#exchange(request, true);
  }

  /**
   * Sends a request and returns the successful response with its body unread: for streams only,
   * whose readers keep the caller's signal and bound their own reads.
   */
  async stream(request: HttpRequest): Promise<Response> {
    return (await this.#exchange(request, false)).response;
  }

  /**
   * The attempt loop: sleeps between retries and follows the redirects {@link #attempt} allows.
   * With `readBody`, the body text is read inside each attempt.
   */
  async #exchange(
    request: HttpRequest,
    readBody: boolean,
  ): Promise<{ response: Response; text?: string; failed: FailedRequest }> {
    const timeoutMs = checkTimeoutMs(request.timeoutMs ?? this.#options.timeoutMs);
    // `timeoutMs` bounds the whole call: each attempt gets what is left, and no retry starts
    // when its backoff would end past the deadline.
    const endsAt = performance.now() + timeoutMs;
    const target = this.#url(request.path, request.query);
    const url = target.toString();
    const headers: Record<string, string> = {
      "user-agent": this.#options.userAgent ?? USER_AGENT,
      accept: request.accept ?? "application/json",
    };
    let secrets: readonly string[] = request.secrets ?? [];
    if (request.auth !== false) {
      // The token only goes to the endpoint's origin, never to a host named by a response
      // (`Link`, `Location`); it is still masked in errors about such a host.
      let token: string;
      if (target.origin === this.#origin) {
        token = await this.#options.token();
        headers.authorization = `Bearer ${token}`;
      } else {
        token = await this.#options.token().catch(() => "");
      }
      secrets = secrets.length === 0 ? [token] : [...secrets, token];
    }
    const ky = await loadKy();
    let body: string | undefined;
    if (request.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.body);
    }
    const failed: FailedRequest = { method: request.method, url, create: request.retry === "create", jobUrl: request.jobUrl, secrets };
    for (let attempt = 0, redirects = 0; ; ) {
      if (request.signal?.aborted) throw abortError(request.signal);
      this.#options.onRequest?.({ method: request.method, url: failed.url, attempt });
      const left = Math.max(1, Math.ceil(endsAt - performance.now()));
      const outcome = await this.#attempt(ky, request, failed, { headers, body, timeoutMs: left, endsAt, attempt, readBody });
      if ("response" in outcome) return { ...outcome, failed };
      if ("redirectTo" in outcome) {
        if (++redirects > MAX_REDIRECTS) throw new ConnectionError(`${request.method} ${redact(url, secrets)}: too many redirects`);
        failed.url = outcome.redirectTo;
        continue;
      }
      attempt++;
      await sleep(outcome.retryInMs, request.signal);
    }
  }

  /**
   * One attempt, under one deadline of `timeoutMs` that covers the headers and, for `readBody`
   * and error answers, the body too. A stream's body outlives the attempt, so it keeps the
   * caller's signal itself.
   */
  async #attempt(
    { default: ky, TimeoutError: KyTimeoutError }: typeof import("ky"),
    request: HttpRequest,
    failed: FailedRequest,
    at: { headers: Record<string, string>; body?: string; timeoutMs: number; endsAt: number; attempt: number; readBody: boolean },
  ): Promise<Outcome> {
    const policy = this.#options.retry;
    const mayRepeat = request.retry !== "none" && at.attempt < policy.maxRetries;
    const canRepeat = request.retry === "idempotent" && mayRepeat;
    const delay = backoffMs(at.attempt, policy);
    const fits = (ms: number) => performance.now() + ms < at.endsAt;
    const controller = new AbortController();
    const unlink = linkAbort(request.signal, controller);
    const deadline = setTimeout(() => controller.abort(new BodyTimeoutError("the request timed out")), at.timeoutMs);
    const timedOut = (error: unknown) => error instanceof KyTimeoutError || controller.signal.reason instanceof BodyTimeoutError;
    try {
      let response: Response;
      try {
        response = await ky(failed.url, {
          method: request.method,
          headers: at.headers,
          body: at.body,
          signal: at.readBody ? controller.signal : request.signal,
          timeout: at.readBody ? false : at.timeoutMs,
          retry: 0,
          throwHttpErrors: false,
          redirect: "manual",
          fetch: this.#options.fetch,
        });
      } catch (error) {
        if (request.signal?.aborted) throw abortError(request.signal);
        const failure = networkErrorFrom(error, failed, timedOut(error));
        if (!((canRepeat || (failure.neverSent && mayRepeat)) && fits(delay))) throw failure.error;
        return { retryInMs: delay };
      }
      if (response.ok) {
        if (!at.readBody) return { response };
        if (announcesMore(response, this.#maxBytes)) {
          void response.body?.cancel().catch(() => {});
          throw tooLarge(failed, this.#maxBytes);
        }
        let read: CappedBody;
        try {
          read = await readCapped(response, controller.signal, this.#maxBytes);
        } catch (error) {
          if (request.signal?.aborted) throw abortError(request.signal);
          // The request reached the server: only an idempotent one may be sent again.
          const failure = networkErrorFrom(error, failed, timedOut(error));
          if (!(canRepeat && fits(delay))) throw failure.error;
          return { retryInMs: delay };
        }
        if (!read.complete) throw tooLarge(failed, this.#maxBytes);
        return { response, text: read.text };
      }
      if (REDIRECT_STATUSES.has(response.status)) {
        void response.body?.cancel().catch(() => {});
        const target = redirectTarget(response, failed, request.method, this.#origin);
        if (typeof target === "string") return { redirectTo: target };
        throw apiErrorFrom(response, "", failed, undefined, target.refused);
      }
      const waitMs = retryAfterMs(response.headers);
      const retryable =
        canRepeat &&
        RETRYABLE_STATUSES.has(response.status) &&
        !request.noRetryStatuses?.includes(response.status) &&
        (waitMs === undefined || waitMs <= policy.maxRetryAfterMs) &&
        fits(waitMs ?? delay);
      if (retryable) {
        void response.body?.cancel().catch(() => {});
        return { retryInMs: waitMs ?? delay };
      }
      // The status says what went wrong; a stalled or endless body only loses the detail.
      const text = await readCapped(response, controller.signal, MAX_ERROR_BODY_BYTES).then(
        (read) => (read.complete ? read.text : withoutCutTail(read.text, failed.secrets)),
        () => "",
      );
      if (request.signal?.aborted) throw abortError(request.signal);
      throw apiErrorFrom(response, text, failed, waitMs);
    } finally {
      clearTimeout(deadline);
      unlink();
    }
  }

  #url(path: string, query?: Array<[string, string]>): URL {
    const url = new URL(/^https?:\/\//.test(path) ? path : `${this.#options.endpoint}${path}`);
    for (const [key, value] of query ?? []) url.searchParams.append(key, value);
    return url;
  }
}

/** A 2xx answer past `maxResponseBytes`; a create's job exists although its answer is lost. */
function tooLarge(failed: FailedRequest, limit: number): ResponseTooLargeError {
  return new ResponseTooLargeError(
    `${failed.method} ${redact(failed.url, failed.secrets)}: the response is larger than ${limit} bytes (maxResponseBytes)`,
    limit,
    { mayHaveCreated: failed.create },
  );
}
