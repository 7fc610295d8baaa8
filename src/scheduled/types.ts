/**
 * Public types of scheduled jobs: what `client.scheduled.create` takes and what every call returns.
 * @module
 */
import type { Arch, Entity, Flavor, RequestOptions, RunSpec, Volume } from "../types.js";
import type { UvSpec } from "../uv/run-uv.js";

/**
 * A plain job for a schedule: everything `client.run` takes except `ssh`, which the
 * service does not offer for scheduled jobs (a `ValidationError` if set).
 */
export type ScheduledRunSpec = Omit<RunSpec, "ssh">;

/**
 * A uv job for a schedule: everything `client.runUv` takes except `ssh`. Local files (the
 * script, `files`) are read once, when the scheduled job is created, and shipped inside its spec:
 * every run gets that snapshot, so edit the file and create the scheduled job again to change it.
 */
export type ScheduledUvSpec = Omit<UvSpec, "ssh">;

/** What a schedule runs: a plain job spec, or a uv spec (recognised by its `script` field). */
export type ScheduledJobInput = ScheduledRunSpec | ScheduledUvSpec;

/** What {@link ScheduledJobs.create} takes. */
export interface CreateScheduledJobSpec {
  /**
   * When to run: `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`, `@annually`, or a
   * 5-field cron expression (`minute hour day-of-month month day-of-week`, e.g. `"0 9 * * MON-FRI"`).
   * Checked by {@link validateSchedule} before any request. The service's time zone is not
   * documented; assume UTC.
   */
  schedule: string;
  /** The job each run starts. */
  job: ScheduledJobInput;
  /** Create the scheduled job paused (no runs until {@link ScheduledJobs.resume}); default `false`. */
  suspend?: boolean;
  /**
   * Let a run start while the previous one is still going; default `false`, in which case the
   * service skips overlapping runs and {@link ScheduledJobs.trigger} fails with a
   * {@link ScheduledJobBusyError}.
   */
  concurrency?: boolean;
  /** Namespace (user or organisation) to create it in; default the job's `namespace`, else the client's. */
  namespace?: string;
}

/** Options of {@link ScheduledJobs.list}. */
export interface ScheduledListOptions extends RequestOptions {
  /** Namespace to list; default the client's. */
  namespace?: string;
}

/**
 * The job a schedule runs, in the shape {@link ScheduledJobs.create} takes, so that it can be
 * read like an input spec. Secret values are never returned: only `secretNames`.
 */
export interface ScheduledJobSpec {
  /** Docker reference, or `hf.co/spaces/owner/name` for a Space. */
  image: string;
  /** Command (argv) run in the container. */
  command: string[];
  /** Extra arguments appended to the command. */
  args: string[];
  /** Hardware flavor. */
  flavor: Flavor;
  /** Plain environment variables. */
  env: Record<string, string>;
  /** Names of the secrets each run receives (values are never returned). */
  secretNames: string[];
  /** Timeout of each run in seconds, when set (else the service default, 30 minutes). */
  timeout?: number;
  /** Labels of each run, including `name`. */
  labels: Record<string, string>;
  /** Mounted volumes. */
  volumes: Volume[];
  /** Exposed ports, when any. */
  expose?: number[];
  /** CPU architecture, when reported. */
  arch?: Arch;
  /** Maximum attempts per run, when reported. */
  attempts?: number;
  /** Organisation resource group billed, when reported. */
  resourceGroupId?: string;
}

/** The most recent run of a scheduled job. */
export interface ScheduledJobLastRun {
  /** Id of the job that run started (look it up with `client.inspect`). */
  jobId: string;
  /** When it was started; absent only if the service omits it. */
  at?: Date;
}

/** A scheduled job as the SDK returns it. */
export interface ScheduledJob {
  /** Id of the scheduled job (not of its runs). */
  id: string;
  /** Namespace it belongs to (its owner), so that `` `${namespace}/${id}` `` addresses it. */
  namespace: string;
  /** Name of its runs (the `name` label), if any. */
  name?: string;
  /** Cron expression or `@` alias, as stored by the service; absent if the service omits it. */
  schedule?: string;
  /** Whether it is paused. */
  suspended: boolean;
  /** Whether runs may overlap. */
  concurrency: boolean;
  /** What each run starts; absent if the service omits it. */
  job?: ScheduledJobSpec;
  /** The most recent run, if it ever ran. */
  lastRun?: ScheduledJobLastRun;
  /** When the next run is due, when reported (suspended jobs may have none). */
  nextRunAt?: Date;
  /** Owner. */
  owner?: Entity;
  /** When it was created. */
  createdAt?: Date;
  /** When it last changed, when reported. */
  updatedAt?: Date;
}
