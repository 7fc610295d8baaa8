/**
 * Pure conversions from the wire format to the types users see.
 * @module
 */
import { JOB_STAGES, TERMINAL_STAGES } from "../wire/schemas.js";
import type { z } from "zod";
import type { EntityWire, HardwareWire, JobWire, VolumeResponseWire, WhoamiWire } from "../wire/schemas.js";
import type {
  Entity,
  Hardware,
  Job,
  JobStage,
  KnownJobStage,
  ReportedJobStage,
  TerminalJobStage,
  Volume,
  WhoAmI,
} from "../types.js";

/** Parses an ISO date; missing or invalid gives undefined. @internal */
export function date(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

/** Drops the keys whose value is undefined, so printed objects stay short. @internal */
export function defined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}

/** Converts an owner/initiator entity. @internal */
export function entity(value: EntityWire | null | undefined): Entity | undefined {
  if (!value) return undefined;
  return defined({
    id: value.id ?? undefined,
    name: value.name ?? undefined,
    type: value.type ?? undefined,
    avatarUrl: value.avatarUrl ?? undefined,
  });
}

/** Secret names, whether the service sends a list of names or a map. @internal */
export function toSecretNames(secrets: readonly string[] | Record<string, unknown> | null | undefined): string[] {
  return Array.isArray(secrets) ? [...secrets] : Object.keys(secrets ?? {});
}

/** Converts volumes as returned by the service. @internal */
export function toVolumes(volumes: readonly z.infer<typeof VolumeResponseWire>[] | null | undefined): Volume[] {
  return (volumes ?? []).map((v) =>
    defined({
      type: v.type,
      source: v.source,
      mountPath: v.mountPath,
      revision: v.revision ?? undefined,
      readOnly: v.readOnly ?? undefined,
      path: v.path ?? undefined,
    }),
  );
}

/** Converts a wire job; `namespace` is the one the request used, the fallback for the page URL. */
export function toJob(wire: JobWire, endpoint: string, namespace: string): Job {
  const owner = entity(wire.owner);
  const ns = owner?.name ?? namespace;
  const labels = wire.labels ?? {};
  const secretNames = toSecretNames(wire.secrets);
  const volumes = toVolumes(wire.volumes);
  return defined({
    id: wire.id,
    namespace: ns,
    url: `${endpoint}/jobs/${ns}/${wire.id}`,
    name: labels.name,
    status: defined({
      ...toStage(wire.status.stage),
      message: wire.status.message ?? null,
      exposeUrls: wire.status.exposeUrls ?? [],
      sshUrl: wire.status.sshUrl ?? undefined,
      failureCount: wire.status.failureCount ?? undefined,
    }),
    createdAt: date(wire.createdAt),
    updatedAt: date(wire.updatedAt),
    startedAt: date(wire.startedAt),
    finishedAt: date(wire.finishedAt),
    durations: defined({
      schedulingSecs: wire.durations?.schedulingSecs ?? undefined,
      runningSecs: wire.durations?.runningSecs ?? undefined,
      totalSecs: wire.durations?.totalSecs ?? undefined,
    }),
    image: wire.spaceId
      ? { type: "space" as const, spaceId: wire.spaceId }
      : { type: "docker" as const, reference: wire.dockerImage ?? "" },
    command: wire.command ?? [],
    arguments: wire.arguments ?? [],
    env: wire.environment ?? {},
    secretNames,
    flavor: wire.flavor || "unknown",
    arch: wire.arch ?? undefined,
    timeoutSeconds: wire.timeoutSeconds ?? wire.timeout ?? undefined,
    attempts: wire.attempts ?? undefined,
    labels,
    volumes,
    exposedPorts: wire.expose?.ports ?? [],
    owner,
    initiator: entity(wire.initiator),
  });
}

/** A wire stage as {@link ReportedJobStage}: a stage this release does not know keeps its name in `rawStage`. */
export function toStage(stage: string): { stage: ReportedJobStage; rawStage?: string } {
  return (JOB_STAGES as readonly string[]).includes(stage) ? { stage: stage as KnownJobStage } : { stage: "UNKNOWN", rawStage: stage };
}

/** Converts a hardware entry, computing prices per minute and per hour. */
export function toHardware(wire: HardwareWire): Hardware {
  let perUnit = wire.unitCostUSD ?? (wire.unitCostMicroUSD ?? 0) / 1e6;
  if (wire.unitLabel === "hour") perUnit /= 60;
  else if (wire.unitLabel === "second") perUnit *= 60;
  const acc = wire.accelerator;
  const quantity = acc?.quantity === undefined || acc?.quantity === null ? undefined : Number(acc.quantity);
  return defined({
    name: wire.name,
    prettyName: wire.prettyName ?? wire.name,
    cpu: wire.cpu ?? undefined,
    ram: wire.ram ?? undefined,
    ephemeralStorage: wire.ephemeralStorage ?? undefined,
    accelerator: acc
      ? defined({
          type: acc.type ?? undefined,
          model: acc.model ?? undefined,
          quantity: Number.isFinite(quantity) ? quantity : undefined,
          vram: acc.vram ?? undefined,
          manufacturer: acc.manufacturer ?? undefined,
        })
      : undefined,
    pricePerMinuteUsd: perUnit,
    pricePerHourUsd: perUnit * 60,
  });
}

/** Converts `whoami-v2`. */
export function toWhoAmI(wire: WhoamiWire): WhoAmI {
  return defined({
    name: wire.name,
    type: wire.type ?? undefined,
    fullname: wire.fullname ?? undefined,
    orgs: (wire.orgs ?? []).map((o) => o.name),
  });
}

/** Whether a stage is terminal: `COMPLETED`, `CANCELED`, `ERROR` or `DELETED`. */
export function isTerminalStage(stage: JobStage): stage is TerminalJobStage {
  return (TERMINAL_STAGES as readonly string[]).includes(stage);
}

/** Whether a job (or a stage) is terminal. */
export function isTerminal(job: Job | JobStage): boolean {
  return isTerminalStage(typeof job === "string" ? job : job.status.stage);
}

/** Whether a job (or a stage) succeeded: `COMPLETED` is the only success. */
export function isSuccess(job: Job | JobStage): boolean {
  return (typeof job === "string" ? job : job.status.stage) === "COMPLETED";
}
