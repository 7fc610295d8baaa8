/**
 * What every feature module needs from a client: the transport, the endpoint and the namespace
 * resolution. Kept apart from the public facade so that modules never reach into its privates.
 * @internal
 * @module
 */
import { WhoamiWire, type JobWire } from "../schemas.js";
import { parseJobRef } from "../spec.js";
import { toJob, toWhoAmI } from "../parse.js";
import type { Job, WhoAmI } from "../types.js";
import type { Transport } from "./http.js";
import { abortError } from "../errors.js";

/** A resolved job reference. */
export interface JobRef {
  namespace: string;
  id: string;
}

export class ClientCore {
  readonly transport: Transport;
  readonly #defaultNamespace?: string;
  #whoami?: Promise<WhoAmI>;

  constructor(transport: Transport, namespace?: string) {
    this.transport = transport;
    this.#defaultNamespace = namespace;
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
