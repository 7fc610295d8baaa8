/**
 * The HTTP transport: one place that sets headers and timeouts, retries what is safe to retry,
 * and turns every failure into a typed, redacted error.
 * @internal
 * @module
 */
import ky, { TimeoutError as KyTimeoutError } from "ky";
import type { z } from "zod";
import { ResponseValidationError, abortError } from "./errors.js";
import { checkTimeoutMs } from "./options.js";
import { BodyTimeoutError, apiErrorFrom, networkErrorFrom, type FailedRequest } from "./http-errors.js";
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

  /**
   * Like {@link jsonResponse}, for routes whose answer may have no body or another shape
   * (cancel): the body is still read under the timeout and signal, and `undefined` stands for
   * "no usable body" instead of a `ResponseValidationError`.
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
    const failed: FailedRequest = { method: request.method, url, create: request.retry === "create", jobUrl: request.jobUrl, secrets };
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
        const failure = networkErrorFrom(error, failed, error instanceof KyTimeoutError);
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
          const failure = networkErrorFrom(error, failed, error instanceof KyTimeoutError);
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
      if (!canRetry) throw apiErrorFrom(response, await response.text().catch(() => ""), failed, waitMs);
      await response.body?.cancel().catch(() => {});
      await sleep(waitMs ?? backoffMs(attempt, policy), request.signal);
    }
  }

  #url(path: string, query?: Array<[string, string]>): string {
    const url = new URL(/^https?:\/\//.test(path) ? path : `${this.#options.endpoint}${path}`);
    for (const [key, value] of query ?? []) url.searchParams.append(key, value);
    return url.toString();
  }
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
