/**
 * The types users see. They are deliberately apart from the wire schemas in `schemas.ts`:
 * dates are `Date`, secrets are names, the image is a discriminated union.
 * @module
 */
import type { FLAVOR_NAMES, JOB_STAGES, TERMINAL_STAGES } from "./wire/schemas.js";

/** A stage the service is known to report. */
export type KnownJobStage = (typeof JOB_STAGES)[number];
/** A stage after which a job never changes again. */
export type TerminalJobStage = (typeof TERMINAL_STAGES)[number];
/**
 * A stage as callers pass it (`list({ stage })`, `wait({ until })`): the known values
 * autocomplete, and any other string is accepted, for stages the service may add later. A typo
 * here cannot be a compile error without closing the type, so it is caught by the service
 * (`list`) or never matches (`until`).
 */
export type JobStage = KnownJobStage | (string & {});

/**
 * What `job.status.stage` holds: a known stage, or `"UNKNOWN"` for a stage this release does not
 * know (the service's own name for it is then in `status.rawStage`). The type is closed on
 * purpose, so that a misspelt comparison such as `job.status.stage === "COMPLETE"` fails to
 * compile, while a stage added by the service later still parses at run time.
 */
export type ReportedJobStage = KnownJobStage | "UNKNOWN";

/** A hardware flavor name known at release time. */
export type KnownFlavor = (typeof FLAVOR_NAMES)[number];
/**
 * A hardware flavor: the known names autocomplete, and any string is accepted (new flavors need
 * no release). Being open, a misspelt flavor compiles: editors show it has no completion, and
 * the service refuses it before a job starts.
 */
export type Flavor = KnownFlavor | (string & {});

/** CPU architecture of the machine a job runs on. */
export type Arch = "amd64" | "arm64" | (string & {});

/** Where a job's image comes from: a Docker reference, or a Hugging Face Space. */
export type JobImage = { type: "docker"; reference: string } | { type: "space"; spaceId: string };

/** A repository or bucket mounted into a job's container. */
export interface Volume {
  /** What is mounted: `bucket`, `model`, `dataset` or `space`. */
  type: "bucket" | "model" | "dataset" | "space" | (string & {});
  /** `owner/name` of the repository or bucket. */
  source: string;
  /** Absolute path in the container. */
  mountPath: string;
  /** Repository revision (repositories only; the service defaults to `main`). */
  revision?: string;
  /** Mount read-only (the service defaults to read-only for repositories, read-write for buckets). */
  readOnly?: boolean;
  /** Sub-folder of the source to mount. */
  path?: string;
}

/** A user, organisation or other entity that owns or started a job. */
export interface Entity {
  /** Hub id of the entity. */
  id?: string;
  /** Name (user or organisation name). */
  name?: string;
  /** `user`, `org`, `scheduled-job`, `duplicated-job`, ... */
  type?: string;
  /** Avatar URL, when the service sends one. */
  avatarUrl?: string;
}

/** The status part of a {@link Job}. */
export interface JobStatus {
  /** Current stage; `"UNKNOWN"` for a stage this release does not know (see `rawStage`). */
  stage: ReportedJobStage;
  /** The service's name of the stage, only when `stage` is `"UNKNOWN"` (a stage added later). */
  rawStage?: string;
  /** Human-readable message, e.g. `Job failed with exit code: 1` or `Job timeout`. */
  message: string | null;
  /** Public URLs of exposed ports. */
  exposeUrls: string[];
  /** `ssh://...` URL when SSH is enabled. */
  sshUrl?: string;
  /** How many attempts failed so far, when the service reports it. */
  failureCount?: number;
}

/** Time spent in each phase, in whole seconds, as reported by the service. */
export interface JobDurations {
  /** Seconds spent waiting for hardware. */
  schedulingSecs?: number;
  /** Seconds spent running (the billed part). */
  runningSecs?: number;
  /** Total seconds since creation. */
  totalSecs?: number;
}

/** A job as the SDK returns it. */
export interface Job {
  /** 24-hex-character job id. */
  id: string;
  /** Namespace (user or organisation) the job belongs to. */
  namespace: string;
  /** Page of the job on the Hub: `{endpoint}/jobs/{owner}/{id}`. */
  url: string;
  /** The job's name (its `name` label), if any. */
  name?: string;
  /** Current status. */
  status: JobStatus;
  /** When the job was created; undefined when the service did not say (or sent no valid date). */
  createdAt?: Date;
  /** When the job last changed, when reported. */
  updatedAt?: Date;
  /** When the job started running. */
  startedAt?: Date;
  /** When the job reached a terminal stage. */
  finishedAt?: Date;
  /** Phase durations. */
  durations: JobDurations;
  /** The image the job runs in. */
  image: JobImage;
  /** Command (argv) run in the container. */
  command: string[];
  /** Extra arguments appended to the command. */
  arguments: string[];
  /** Plain environment variables (visible to anyone who can inspect the job). */
  env: Record<string, string>;
  /** Names of the secrets passed to the job (values are never returned). */
  secretNames: string[];
  /**
   * Hardware flavor, as the service reported it; `"unknown"` when the response carried none
   * (the SDK does not guess a default such as `cpu-basic`).
   */
  flavor: Flavor;
  /** CPU architecture, when reported. */
  arch?: Arch;
  /** Timeout in seconds, when set. */
  timeoutSeconds?: number;
  /** Maximum attempts, when reported. */
  attempts?: number;
  /** Labels (including `name`). */
  labels: Record<string, string>;
  /** Mounted volumes. */
  volumes: Volume[];
  /** Exposed ports. */
  exposedPorts: number[];
  /** Owner of the job. */
  owner?: Entity;
  /** Who or what started the job (a user, a scheduled job, a duplicate). */
  initiator?: Entity;
}

/** Everything that describes what to run, shared by {@link RunSpec} and scheduled jobs. */
export interface JobSpecInput {
  /**
   * Docker reference (`python:3.12`, `ghcr.io/org/img:tag`) or a Space, written
   * `hf.co/spaces/owner/name` (also `huggingface.co/spaces/...`, with or without `https://`).
   */
  image: string;
  /** Command (argv) to run; not passed through a shell. */
  command?: string[];
  /** Extra arguments appended to the command. */
  args?: string[];
  /** Hardware flavor; defaults to `cpu-basic`. */
  flavor?: Flavor;
  /** Plain environment variables. Visible to anyone who can inspect the job: put tokens in `secrets`. */
  env?: Record<string, string>;
  /** Secret environment variables, encrypted by the service; only their names are ever returned. */
  secrets?: Record<string, string>;
  /**
   * Maximum run time: seconds as a number, or a string such as `"300"`, `"90m"`, `"1.5h"`, `"2d"`.
   * Omitted or `0`: the service default (30 minutes).
   */
  timeout?: number | string;
  /** Job name, sent as the `name` label (letters, digits, `.`, `_`, `-`). */
  name?: string;
  /** Labels (string to string). */
  labels?: Record<string, string>;
  /** Repositories or buckets to mount. */
  volumes?: Volume[];
  /** Ports to expose at `https://{jobId}--{port}.hf.jobs`. */
  expose?: number[];
  /** CPU architecture. */
  arch?: "amd64" | "arm64";
  /** Maximum attempts. */
  attempts?: number;
  /** Organisation resource group to bill. */
  resourceGroupId?: string;
}

/** What {@link JobsClient.run} takes. */
export interface RunSpec extends JobSpecInput {
  /** Enable SSH access (`status.sshUrl`). Not available for scheduled jobs. */
  ssh?: boolean;
  /** Namespace (user or organisation) to run in; defaults to the client's. */
  namespace?: string;
}

/** Options accepted by every client method. */
export interface RequestOptions {
  /** Cancels the call; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Deadline of this call in milliseconds (every attempt and its body included), overriding the client's. */
  timeoutMs?: number;
}

/** A hardware flavor offered by the service, with its price. */
export interface Hardware {
  /** Flavor name, the value of `flavor`. */
  name: Flavor;
  /** Display name, e.g. `Nvidia A10G - small`. */
  prettyName: string;
  /** vCPUs, as the service words it (`"2 vCPU"`). */
  cpu?: string;
  /** Memory, as the service words it (`"16 GB"`). */
  ram?: string;
  /** Disk, when reported. */
  ephemeralStorage?: string;
  /** Accelerator, or `undefined` on CPU flavors. */
  accelerator?: {
    /** `gpu`, or `neuron` for AWS Inferentia. */
    type?: string;
    /** Model name, e.g. `A10G`. */
    model?: string;
    /** How many accelerators the flavor has. */
    quantity?: number;
    /** Memory of one accelerator, as the service words it (`"24 GB"`). */
    vram?: string;
    /** `Nvidia`, `AWS`, ... */
    manufacturer?: string;
  };
  /** Price per minute in US dollars. */
  pricePerMinuteUsd: number;
  /** Price per hour in US dollars (per minute × 60). */
  pricePerHourUsd: number;
}

/** The authenticated user, from `whoami-v2`. */
export interface WhoAmI {
  /** User name: the default namespace. */
  name: string;
  /** `user` or `org`. */
  type?: string;
  /** Display name. */
  fullname?: string;
  /** Organisations the user belongs to. */
  orgs: string[];
}

/** Filters of {@link JobsClient.list}. */
export interface ListOptions extends RequestOptions {
  /** Only jobs in these stages (sent upper-cased, one `stage=` each). */
  stage?: JobStage | JobStage[];
  /** Only jobs carrying all these labels. */
  labels?: Record<string, string>;
  /** Namespace to list; defaults to the client's. */
  namespace?: string;
}
