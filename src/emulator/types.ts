/**
 * Public option, fault and handle types of the local Jobs emulator.
 * @module
 */

/**
 * One fault-injection rule. A rule applies to the requests it matches (method and path) and counts
 * against `times` only on requests it actually affects: `closeStreamAfterEvents` only affects the
 * SSE routes, `stuckInScheduling` only the routes that create a job. Rules are taken in the order
 * added, each only if its effects can all apply with those already taken: one `status` (which
 * excludes the handling effects), one `dropAfterHandling` or `closeStreamAfterEvents`, one
 * `stuckInScheduling`; a skipped rule is not spent. Latencies of the taken rules add up.
 */
export interface FaultRule {
  /** HTTP method to match, case-insensitive. Default: any method. */
  method?: string;
  /**
   * Pathname to match (the query string is ignored). A string matches the whole pathname; `*`
   * stands for any characters within one path segment and `**` for any characters across segments,
   * e.g. `"/api/jobs/emulator-user/*"` (create and list) or `"/api/jobs/**"` (every jobs route).
   * A RegExp is tested against the pathname, e.g. `/\/logs$/`. Default: any path.
   */
  path?: string | RegExp;
  /** How many matching requests the rule applies to before it is spent. Default: unlimited. */
  times?: number;
  /** Delay in milliseconds added before the request is handled (or answered with `status`). */
  latencyMs?: number;
  /** Answer this status with a real-shaped error body instead of handling the request (e.g. 429, 503). */
  status?: number;
  /** `Retry-After` header value sent with `status`. */
  retryAfter?: number | string;
  /** Handle the request for real (e.g. create the job), then destroy the socket without answering. */
  dropAfterHandling?: boolean;
  /** SSE routes (logs, metrics, events): destroy the connection after this many data events. */
  closeStreamAfterEvents?: number;
  /** Routes that create a job (create, duplicate, scheduled-job run): the job stays in SCHEDULING until cancelled. */
  stuckInScheduling?: boolean;
}

/** Options of {@link startEmulator}. Every field is optional. */
export interface EmulatorOptions {
  /** TCP port to listen on. Default `0`: a random free port. */
  port?: number;
  /** Interface to bind. Default `"127.0.0.1"`; a non-loopback host requires `allowNonLoopback: true`. */
  host?: string;
  /** Explicit consent to bind a non-loopback interface (anyone who can reach it and knows the token can run processes). */
  allowNonLoopback?: boolean;
  /** The user namespace; `GET /api/whoami-v2` answers `{ name: namespace, type: "user", ... }`. Default `"emulator-user"`. */
  namespace?: string;
  /** The accepted bearer token. Default: a random `hf_emu_...` string. */
  token?: string;
  /** Organisations the token may also use (listed as whoami `orgs`); any other namespace gets 403. */
  extraNamespaces?: string[];
  /** Page size of `GET /api/jobs/{ns}`; further pages are linked with `Link: <url>; rel="next"`. Default 50. */
  pageSize?: number;
  /** Time a job spends in SCHEDULING before it starts, in milliseconds. Default 100. */
  schedulingDelayMs?: number;
  /** Interval of the `: keep-alive` SSE comments, in milliseconds. Default 30000. */
  keepAliveMs?: number;
  /** Interval between metric events, in milliseconds. Default 1000. */
  metricsIntervalMs?: number;
  /** Grace between SIGTERM and SIGKILL when a job is cancelled or times out, in milliseconds. Default 5000. */
  killGraceMs?: number;
  /**
   * Where jobs run. `"auto"` (default) probes `docker info`, then `podman info`, and falls back to
   * host processes; `"docker"` / `"podman"` require that engine (start-up fails otherwise);
   * `"none"` always runs jobs as host processes. An engine that answers `info` may still fail
   * every `run` (podman without the `--ulimit` flags some machines need): jobs then end with exit
   * code 125 or 126 and their log says to name the engine and pass its flags in `containerRunArgs`.
   */
  containerEngine?: "auto" | "docker" | "podman" | "none";
  /**
   * Absolute path of the engine's CLI. Default: `docker` or `podman` found on the emulator's own
   * `PATH` at start-up (never on a job's). Needs an explicit `containerEngine`.
   */
  containerEnginePath?: string;
  /**
   * Flags placed before every engine subcommand, e.g. `["--runtime", "runc", "--cgroup-manager", "cgroupfs"]`
   * for podman. Needs an explicit `containerEngine`. Default `[]`.
   */
  containerEngineArgs?: string[];
  /**
   * Flags added to every `run`, before the image, e.g. `["--ulimit", "nofile=4096:4096", "--pull=never"]`.
   * Needs an explicit `containerEngine`. Default `[]`.
   */
  containerRunArgs?: string[];
  /** Extra environment for job processes, e.g. a `PATH` that holds a fake `uv` in tests. */
  env?: Record<string, string>;
  /** Receives start-up notices and the hint about a failing engine (never a secret or the token). Default: `console.error`. */
  logger?: (line: string) => void;
  /** Fault rules active from the start; more can be added with {@link Emulator.faults}. */
  faults?: FaultRule[];
  /**
   * Keep `/logs`, `/events` and `/metrics` responses open (keep-alive comments only) after the job
   * ended and everything was sent, instead of ending them. Default `false`: streams end once the
   * job has ended and its last line is sent, which is what the official clients wait for. Turn it
   * on only to test a client's reconnect or give-up logic against a stream that never ends.
   */
  keepLogStreamsOpen?: boolean;
  /**
   * @deprecated Streams now end at the job's end by default; use {@link EmulatorOptions.keepLogStreamsOpen}.
   * `false` means `keepLogStreamsOpen: true`, `true` is the default behaviour.
   */
  closeLogStreamsAtJobEnd?: boolean;
  /**
   * Host names (or addresses, without port) accepted in the request's `Host` header besides
   * `localhost`, `127.x.x.x`, `[::1]` and the bound `host`. Any other Host gets HTTP 403, so that a
   * web page cannot reach the emulator through DNS rebinding. Needed when clients reach a
   * non-loopback emulator by a name, e.g. `["my-workstation.lan"]`.
   */
  allowedHosts?: string[];
  /** Parent directory of the emulator's temporary directory. Default: `os.tmpdir()`. */
  tmpDir?: string;
  /**
   * Also accept 6-field cron schedules whose first field is seconds (e.g. `"* * * * * *"`, every second), so
   * tests need not wait a minute. The real service accepts 5 fields only. Default `false`.
   */
  secondsInSchedules?: boolean;
}

/** A method/path filter for {@link Emulator.requests}. Paths follow the {@link FaultRule.path} syntax. */
export interface RequestFilter {
  /** HTTP method, case-insensitive. */
  method?: string;
  /** Pathname pattern (`*` within a segment, `**` across segments) or RegExp. */
  path?: string | RegExp;
}

/** Programmatic controls of the running emulator's fault rules. */
export interface EmulatorFaults {
  /** Adds a rule after the existing ones; returns a function that removes it. */
  add(rule: FaultRule): () => void;
  /** Removes every rule, including those given in the options. */
  clear(): void;
}

/** Request log of the running emulator, for tests. */
export interface EmulatorRequests {
  /**
   * Number of requests received (all routes and outcomes) that match the filter. The log keeps
   * counts for the 10,000 most recently seen method + path pairs (paths cut at 512 characters), so
   * that no client can grow it without bound.
   */
  count(filter?: RequestFilter): number;
  /** Forgets every request counted so far. */
  reset(): void;
}

/** Programmatic scheduler hook (not a wire route), for tests. */
export interface EmulatorScheduler {
  /**
   * Fires a scheduled job now, exactly as its cron would: nothing happens when it is suspended, or
   * when a run is still active and `concurrency` is false. Returns the new job id, or `null`.
   */
  fire(scheduledJobId: string): string | null;
}

/** A running emulator, as returned by {@link startEmulator}. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:43210` (no trailing slash); use it as the SDK endpoint. */
  url: string;
  /** The bearer token every route except `GET /api/jobs/hardware` requires. */
  token: string;
  /** The user namespace (whoami `name`). */
  namespace: string;
  /** Add or clear fault rules at run time. */
  faults: EmulatorFaults;
  /** Count the requests received. */
  requests: EmulatorRequests;
  /** Fire scheduled jobs programmatically. */
  scheduler: EmulatorScheduler;
  /** Number of live job processes (for leak tests). */
  jobs(): number;
  /**
   * Stops every job process (whole process group, SIGKILL), stops the schedules, closes all
   * sockets and the server, and removes every temporary file and directory. Idempotent.
   */
  close(): Promise<void>;
}
