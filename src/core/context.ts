/**
 * The client context: what every resource and feature needs from a client (the transport, the
 * endpoint, the namespace and job-reference resolution, one shared `whoami`). Built once per
 * `JobsClient` from its options; resources and features receive it, never the facade.
 * @internal
 * @module
 */
import { WhoamiWire, type JobWire } from "../wire/schemas.js";
import { parseJobRef } from "./names.js";
import { toJob, toWhoAmI } from "../jobs/parse.js";
import type { Job, WhoAmI } from "../types.js";
import { abortError, MissingTokenError, ValidationError } from "./errors.js";
import { resolveEndpoint, resolveToken } from "./config.js";
import { Transport } from "./transport.js";
import { DEFAULT_MAX_RESPONSE_BYTES } from "./body.js";
import { checkTimeoutMs, count, nonNegativeMs } from "./options.js";
import { redact } from "./redact.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";

/** Options of {@link JobsClient}. Every one has a default; `new JobsClient()` works with `HF_TOKEN` set. */
export interface JobsClientOptions {
  /** Access token; default `HF_TOKEN`, `HUGGING_FACE_HUB_TOKEN`, then the token file. */
  token?: string;
  /** Service URL; default `HF_ENDPOINT`, else `https://huggingface.co`. */
  endpoint?: string;
  /** Default namespace (user or organisation); default the token owner's name (`whoami-v2`). */
  namespace?: string;
  /**
   * Deadline of one call in ms, above 0 and at most 2^31 - 1; default 60 000. It covers the
   * headers and the body of every attempt: retries happen only within it, and a stalled server
   * costs one timeout, not one per retry.
   */
  timeoutMs?: number;
  /**
   * Retries of requests that are safe to repeat: a whole number from 0 to 1000; default 2.
   * Job-creating requests are repeated only when they surely never reached the server.
   */
  maxRetries?: number;
  /** Fine-tuning of the backoff (first delay, cap, longest `Retry-After` honoured), in ms. */
  retryDelays?: {
    /** First backoff, doubled on each retry; default 500 ms. */
    baseMs?: number;
    /** Cap of one backoff; default 8000 ms. */
    maxMs?: number;
    /** A `Retry-After` longer than this is not waited for (the error is thrown); default 60 000 ms. */
    maxRetryAfterMs?: number;
  };
  /**
   * Largest JSON answer the client reads, in bytes; default 32 MiB. Reading stops as soon as an
   * answer passes it, with a `ResponseTooLargeError`, so memory stays bounded whatever a server
   * sends. Error bodies are read up to 64 KiB only, and streams bound their own lines.
   */
  maxResponseBytes?: number;
  /** A `fetch` implementation to use instead of the global one (proxies, tests). */
  fetch?: typeof globalThis.fetch;
  /**
   * Receives one line per HTTP attempt (method and URL, never the token). `true` prints to
   * stderr; the `DEBUG=hf-jobs` environment variable does the same.
   */
  debug?: boolean | ((line: string) => void);
}

/** A resolved job reference. */
export interface JobRef {
  namespace: string;
  id: string;
}

/** What every resource and feature of one client shares; see the module header. */
export class ClientContext {
  readonly transport: Transport;
  readonly #defaultNamespace?: string;
  readonly #token: () => Promise<string>;
  #whoami?: Promise<WhoAmI>;

  constructor(transport: Transport, namespace: string | undefined, token: () => Promise<string>) {
    this.transport = transport;
    this.#defaultNamespace = namespace;
    this.#token = token;
  }

  /**
   * The client's token (resolved once; a `MissingTokenError` when there is none), for checks
   * that must know it before a request is sent. Never print it.
   */
  token(): Promise<string> {
    return this.#token();
  }

  get endpoint(): string {
    return this.transport.endpoint;
  }

  /**
   * `whoami-v2`, fetched once per client: concurrent callers share one request, and a failure is
   * forgotten so that the next call tries again.
   */
  whoami(signal?: AbortSignal): Promise<WhoAmI> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (!this.#whoami) {
      const pending = this.transport
        .json({ method: "GET", path: "/api/whoami-v2", retry: "idempotent" }, WhoamiWire)
        .then(toWhoAmI);
      pending.catch(() => {
        if (this.#whoami === pending) this.#whoami = undefined;
      });
      this.#whoami = pending;
    }
    return signal ? raceAbort(this.#whoami, signal) : this.#whoami;
  }

  /** The namespace of a call: the call's, else the client's, else the token owner's name. */
  async namespace(explicit?: string, signal?: AbortSignal): Promise<string> {
    const ns = explicit ?? this.#defaultNamespace;
    if (ns) return ns;
    return (await this.whoami(signal)).name;
  }

  /** Resolves `id` or `namespace/id` (a namespace in the reference wins over the option). */
  async ref(ref: string, namespace?: string, signal?: AbortSignal): Promise<JobRef> {
    const parsed = parseJobRef(ref);
    return { id: parsed.id, namespace: parsed.namespace ?? (await this.namespace(namespace, signal)) };
  }

  /** `/api/jobs/{ns}/{id}` plus an optional suffix. */
  jobPath(ref: JobRef, suffix = ""): string {
    return `/api/jobs/${encodeURIComponent(ref.namespace)}/${encodeURIComponent(ref.id)}${suffix}`;
  }

  toJob(wire: JobWire, namespace: string): Job {
    return toJob(wire, this.endpoint, namespace);
  }
}

/** Lets one caller stop waiting for a shared promise without cancelling it for the others. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** Builds the context of a client from its options: endpoint, token, transport, namespace. */
export function createContext(options: JobsClientOptions): ClientContext {
  const endpoint = resolveEndpoint(options.endpoint);
  let token: Promise<string | undefined> | undefined;
  let known: string | undefined;
  const getToken = async () => {
    token ??= resolveToken(options.token);
    known = await token;
    if (!known) throw new MissingTokenError();
    return known;
  };
  const debug = debugSink(options.debug);
  const maxResponseBytes = count("maxResponseBytes", options.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES, Number.MAX_SAFE_INTEGER);
  if (maxResponseBytes === 0) throw new ValidationError("maxResponseBytes", "expected a whole number of bytes above 0");
  const transport = new Transport({
    endpoint,
    token: getToken,
    timeoutMs: options.timeoutMs === undefined ? 60_000 : checkTimeoutMs(options.timeoutMs),
    retry: retryPolicy(options),
    fetch: options.fetch,
    maxResponseBytes,
    onRequest: debug
      ? ({ method, url, attempt }) => debug(redact(`hf-jobs ${method} ${url}${attempt > 0 ? ` (retry ${attempt})` : ""}`, [known]))
      : undefined,
  });
  return new ClientContext(transport, options.namespace, getToken);
}

/** The retry policy of a client's options; a bad number is a `ValidationError`. */
function retryPolicy(options: JobsClientOptions): RetryPolicy {
  const delays = options.retryDelays;
  if (delays !== undefined && (delays === null || typeof delays !== "object")) {
    throw new ValidationError("retryDelays", "expected an object with baseMs, maxMs or maxRetryAfterMs");
  }
  const d = DEFAULT_RETRY_POLICY;
  const policy = {
    maxRetries: count("maxRetries", options.maxRetries, d.maxRetries),
    baseDelayMs: nonNegativeMs("retryDelays.baseMs", delays?.baseMs, d.baseDelayMs),
    maxDelayMs: nonNegativeMs("retryDelays.maxMs", delays?.maxMs, d.maxDelayMs),
    maxRetryAfterMs: nonNegativeMs("retryDelays.maxRetryAfterMs", delays?.maxRetryAfterMs, d.maxRetryAfterMs),
  };
  // Only when both are given: a small `maxMs` alone simply caps the default first delay.
  if (delays?.baseMs !== undefined && delays.maxMs !== undefined && policy.baseDelayMs > policy.maxDelayMs) {
    throw new ValidationError("retryDelays.maxMs", `expected at least retryDelays.baseMs (${policy.baseDelayMs})`);
  }
  return policy;
}

function debugSink(option: JobsClientOptions["debug"]): ((line: string) => void) | undefined {
  if (typeof option === "function") return option;
  const fromEnv = (process.env.DEBUG ?? "").split(",").some((v) => v.trim() === "hf-jobs" || v.trim() === "hf-jobs:*");
  if (option === true || (option === undefined && fromEnv)) return (line) => process.stderr.write(`${line}\n`);
  return undefined;
}
