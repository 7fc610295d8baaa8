/**
 * Wire format of the Hugging Face Jobs API (zod), shared by the client and the emulator.
 *
 * Response schemas are tolerant on purpose: unknown keys are stripped, unknown enum values pass
 * through as strings, and fields the sources disagree on (`timeout` vs `timeoutSeconds`) are both
 * read. Request schemas describe what we send; the emulator validates incoming bodies with them.
 * Only the stage and flavor name lists are public: users see the types in `types.ts`.
 *
 * Every schema is wrapped in `z.lazy`: building them all costs about as much as evaluating zod
 * itself, and importing the package should not pay for schemas a program never parses with. Each
 * one is built on its first parse and cached by zod; the inferred types are the same.
 * @module
 */
import * as z from "zod";

/**
 * A user or organisation name (or a resource-group id) as the service accepts it: letters, digits,
 * `.`, `_` and `-`, not starting with a punctuation mark. It is a path segment of every URL.
 */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A label key as the service accepts it: 1 to 100 letters, digits, `.`, `_` or `-`. */
export const LABEL_KEY_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/** A label value as the service accepts it: up to 100 letters, digits, `.`, `_` or `-`. */
export const LABEL_VALUE_PATTERN = /^[A-Za-z0-9._-]{0,100}$/;

/** Stages the service is known to emit; any other string is passed through. */
export const JOB_STAGES = ["SCHEDULING", "RUNNING", "COMPLETED", "CANCELED", "ERROR", "DELETED"] as const;
/** Stages after which a job never changes again. */
export const TERMINAL_STAGES = ["COMPLETED", "CANCELED", "ERROR", "DELETED"] as const;

/** Flavor names of `GET /api/jobs/hardware` at the time of writing; the service may add others (see `client.hardware()`). */
export const FLAVOR_NAMES = [
  "cpu-basic",
  "cpu-upgrade",
  "cpu-performance",
  "cpu-xl",
  "t4-small",
  "t4-medium",
  "a10g-small",
  "a10g-large",
  "a10g-largex2",
  "a10g-largex4",
  "a100-large",
  "a100x4",
  "a100x8",
  "h200",
  "h200x2",
  "h200x4",
  "h200x8",
  "rtx-pro-6000",
  "rtx-pro-6000x2",
  "rtx-pro-6000x4",
  "rtx-pro-6000x8",
  "l4x1",
  "l4x4",
  "l40sx1",
  "l40sx4",
  "l40sx8",
] as const;

/** Default image of uv jobs. @internal */
export const UV_IMAGE = "ghcr.io/astral-sh/uv:python3.12-bookworm";

const nullish = <T extends z.ZodType>(schema: T) => schema.nullish();
const stringMap = z.lazy(() => z.record(z.string(), z.string()));
/**
 * A string map in a response: entries whose value is not a string (a number, null, an object)
 * are dropped rather than failing the whole job.
 */
const lenientStringMap = z.lazy(() =>
  z
    .record(z.string(), z.unknown())
    .transform((map) =>
      Object.fromEntries(Object.entries(map).filter((entry): entry is [string, string] => typeof entry[1] === "string")),
    )
);

// ---------------------------------------------------------------------------------------------
// Requests

/** A volume mount, camelCase on the wire. @internal */
export const VolumeWire = z.lazy(() =>
  z.object({
    type: z.string(),
    source: z.string(),
    mountPath: z.string(),
    revision: z.string().optional(),
    readOnly: z.boolean().optional(),
    path: z.string().optional(),
  })
);
export type VolumeWire = z.infer<typeof VolumeWire>;

/** Body of `POST /api/jobs/{ns}` and the `jobSpec` of a scheduled job. @internal */
export const JobSpecWire = z.lazy(() =>
  z.object({
    dockerImage: z.string().optional(),
    spaceId: z.string().optional(),
    command: z.array(z.string()).optional(),
    arguments: z.array(z.string()).optional(),
    environment: stringMap.optional(),
    secrets: stringMap.optional(),
    flavor: z.string().optional(),
    timeoutSeconds: z.number().int().positive().nullish(),
    labels: stringMap.optional(),
    volumes: z.array(VolumeWire).optional(),
    expose: z.object({ ports: z.array(z.number().int().min(1).max(65535)) }).optional(),
    ssh: z.object({ enabled: z.boolean() }).optional(),
    resourceGroupId: z.string().optional(),
    arch: z.string().optional(),
    attempts: z.number().int().positive().optional(),
  })
);
export type JobSpecWire = z.infer<typeof JobSpecWire>;

/** Body of `PUT .../labels` (jobs and scheduled jobs). @internal */
export const LabelsBodyWire = z.lazy(() => z.object({ labels: stringMap }));
export type LabelsBodyWire = z.infer<typeof LabelsBodyWire>;

/** Body of `POST /api/scheduled-jobs/{ns}`. @internal */
export const ScheduledJobCreateWire = z.lazy(() =>
  z.object({
    jobSpec: JobSpecWire,
    schedule: z.string(),
    suspend: z.boolean().optional(),
    concurrency: z.boolean().optional(),
  })
);
export type ScheduledJobCreateWire = z.infer<typeof ScheduledJobCreateWire>;

// ---------------------------------------------------------------------------------------------
// Responses

/** `owner` / `initiator` / `createdBy` entity. @internal */
export const EntityWire = z.lazy(() =>
  z.object({
    id: nullish(z.string()),
    name: nullish(z.string()),
    type: nullish(z.string()),
    avatarUrl: nullish(z.string()),
  })
);
export type EntityWire = z.infer<typeof EntityWire>;

/** `status` of a job. @internal */
export const JobStatusWire = z.lazy(() =>
  z.object({
    stage: z.string(),
    message: nullish(z.string()),
    exposeUrls: nullish(z.array(z.string())),
    sshUrl: nullish(z.string()),
    failureCount: nullish(z.number()),
  })
);
export type JobStatusWire = z.infer<typeof JobStatusWire>;

/** A volume as returned by the service: tolerant of missing optional keys. @internal */
export const VolumeResponseWire = z.lazy(() =>
  z.object({
    type: z.string().catch("model"),
    source: z.string(),
    mountPath: z.string(),
    revision: nullish(z.string()),
    readOnly: nullish(z.boolean()),
    path: nullish(z.string()),
  })
);

/** A job as returned by `POST /api/jobs/{ns}`, `GET .../{id}`, list, cancel, labels, duplicate. @internal */
export const JobWire = z.lazy(() =>
  z.object({
    id: z.string(),
    type: nullish(z.string()),
    createdAt: nullish(z.string()),
    updatedAt: nullish(z.string()),
    startedAt: nullish(z.string()),
    finishedAt: nullish(z.string()),
    durations: nullish(
      z.object({
        schedulingSecs: nullish(z.number()),
        runningSecs: nullish(z.number()),
        totalSecs: nullish(z.number()),
      }),
    ),
    dockerImage: nullish(z.string()),
    spaceId: nullish(z.string()),
    command: nullish(z.array(z.string())),
    arguments: nullish(z.array(z.string())),
    environment: nullish(lenientStringMap),
    // Names in responses; a map in requests. Some sources type it as a dict: accept both.
    secrets: nullish(z.union([z.array(z.string()), z.record(z.string(), z.unknown())])),
    flavor: nullish(z.string()),
    arch: nullish(z.string()),
    timeoutSeconds: nullish(z.number()),
    timeout: nullish(z.number()),
    attempts: nullish(z.number()),
    labels: nullish(lenientStringMap),
    volumes: nullish(z.array(VolumeResponseWire)),
    expose: nullish(z.object({ ports: nullish(z.array(z.number())) })),
    ssh: nullish(z.object({ enabled: nullish(z.boolean()) })),
    resourceGroupId: nullish(z.string()),
    status: JobStatusWire,
    owner: nullish(EntityWire),
    createdBy: nullish(EntityWire),
    initiator: nullish(EntityWire),
  })
);
export type JobWire = z.infer<typeof JobWire>;

/** An entry of `GET /api/jobs/hardware`. @internal */
export const HardwareWire = z.lazy(() =>
  z.object({
    name: z.string(),
    prettyName: nullish(z.string()),
    cpu: nullish(z.string()),
    ram: nullish(z.string()),
    ephemeralStorage: nullish(z.string()),
    accelerator: nullish(
      z.object({
        type: nullish(z.string()),
        model: nullish(z.string()),
        quantity: nullish(z.union([z.string(), z.number()])),
        vram: nullish(z.string()),
        manufacturer: nullish(z.string()),
      }),
    ),
    unitCostMicroUSD: nullish(z.number()),
    unitCostUSD: nullish(z.number()),
    unitLabel: nullish(z.string()),
  })
);
export type HardwareWire = z.infer<typeof HardwareWire>;

/** `GET /api/whoami-v2` (only the fields we use). @internal */
export const WhoamiWire = z.lazy(() =>
  z.object({
    name: z.string(),
    type: nullish(z.string()),
    fullname: nullish(z.string()),
    orgs: nullish(z.array(z.object({ name: z.string() }).loose())),
  })
);
export type WhoamiWire = z.infer<typeof WhoamiWire>;

/** The `jobSpec` of a scheduled job as returned. @internal */
export const ScheduledJobSpecWire = z.lazy(() =>
  z.object({
    dockerImage: nullish(z.string()),
    spaceId: nullish(z.string()),
    command: nullish(z.array(z.string())),
    arguments: nullish(z.array(z.string())),
    environment: nullish(stringMap),
    secrets: nullish(z.union([z.array(z.string()), z.record(z.string(), z.unknown())])),
    flavor: nullish(z.string()),
    arch: nullish(z.string()),
    timeout: nullish(z.number()),
    timeoutSeconds: nullish(z.number()),
    attempts: nullish(z.number()),
    tags: nullish(z.array(z.string())),
    labels: nullish(lenientStringMap),
    volumes: nullish(z.array(VolumeResponseWire)),
    expose: nullish(z.object({ ports: nullish(z.array(z.number())) })),
    resourceGroupId: nullish(z.string()),
  })
);
export type ScheduledJobSpecWire = z.infer<typeof ScheduledJobSpecWire>;

/** A scheduled job as returned. @internal */
export const ScheduledJobWire = z.lazy(() =>
  z.object({
    id: z.string(),
    type: z.string().optional(),
    createdAt: nullish(z.string()),
    updatedAt: nullish(z.string()),
    schedule: nullish(z.string()),
    suspend: nullish(z.boolean()),
    concurrency: nullish(z.boolean()),
    jobSpec: nullish(ScheduledJobSpecWire),
    status: nullish(
      z.object({
        lastJob: nullish(z.object({ id: z.string(), at: nullish(z.string()) })),
        nextJobRunAt: nullish(z.string()),
      }),
    ),
    owner: nullish(EntityWire),
    initiator: nullish(EntityWire),
  })
);
export type ScheduledJobWire = z.infer<typeof ScheduledJobWire>;


/** One `event: metric` of `GET .../metrics`, snake_case. @internal */
export const MetricEventWire = z.lazy(() =>
  z.object({
    cpu_usage_pct: nullish(z.number()),
    cpu_millicores: nullish(z.number()),
    memory_used_bytes: nullish(z.number()),
    memory_total_bytes: nullish(z.number()),
    rx_bps: nullish(z.number()),
    tx_bps: nullish(z.number()),
    gpus: nullish(
      z.record(
        z.string(),
        z.object({
          utilization: nullish(z.number()),
          memory_used_bytes: nullish(z.number()),
          memory_total_bytes: nullish(z.number()),
        }),
      ),
    ),
    replica: nullish(z.string()),
  })
);
export type MetricEventWire = z.infer<typeof MetricEventWire>;

/** Error body shapes the service uses. @internal */
export const ErrorBodyWire = z.lazy(() =>
  z
    .object({
      error: z.union([z.string(), z.array(z.string())]).optional(),
      error_description: z.string().optional(),
      errors: z.array(z.object({ message: z.string().optional() }).loose()).optional(),
      message: z.string().optional(),
    })
    .loose()
);
export type ErrorBodyWire = z.infer<typeof ErrorBodyWire>;
