/**
 * Scheduled jobs from the wire: pure conversion of the service's answer into a {@link ScheduledJob}.
 * @module
 */
import { date, defined, entity, toSecretNames, toVolumes } from "../jobs/parse.js";
import type { ScheduledJobSpecWire, ScheduledJobWire } from "../wire/schemas.js";
import type { ScheduledJob, ScheduledJobSpec } from "./types.js";

/**
 * Converts a scheduled job from the wire. Tolerant: the timeout may be called `timeoutSeconds`
 * (the JS client's name) or `timeout` (the OpenAPI description's and the Python client's),
 * secrets may be names or a map, missing collections become empty, and a missing `schedule` or
 * `jobSpec` leaves that field out rather than failing. `namespace` is the one the request used,
 * the fallback when the response has no `owner`.
 * @internal
 */
export function toScheduledJob(wire: ScheduledJobWire, namespace: string): ScheduledJob {
  const owner = entity(wire.owner);
  const job = wire.jobSpec ? toScheduledJobSpec(wire.jobSpec) : undefined;
  const lastJob = wire.status?.lastJob;
  return defined({
    id: wire.id,
    namespace: owner?.name ?? namespace,
    name: job?.labels.name,
    schedule: wire.schedule ?? undefined,
    suspended: wire.suspend ?? false,
    concurrency: wire.concurrency ?? false,
    job,
    lastRun: lastJob ? defined({ jobId: lastJob.id, at: date(lastJob.at) }) : undefined,
    nextRunAt: date(wire.status?.nextJobRunAt),
    owner,
    createdAt: date(wire.createdAt),
    updatedAt: date(wire.updatedAt),
  });
}

function toScheduledJobSpec(spec: ScheduledJobSpecWire): ScheduledJobSpec {
  return defined({
    image: spec.spaceId ? `hf.co/spaces/${spec.spaceId}` : (spec.dockerImage ?? ""),
    command: spec.command ?? [],
    args: spec.arguments ?? [],
    flavor: spec.flavor ?? "cpu-basic",
    env: spec.environment ?? {},
    secretNames: toSecretNames(spec.secrets),
    timeout: spec.timeoutSeconds ?? spec.timeout ?? undefined,
    labels: spec.labels ?? {},
    volumes: toVolumes(spec.volumes),
    expose: spec.expose?.ports?.length ? spec.expose.ports : undefined,
    arch: spec.arch ?? undefined,
    attempts: spec.attempts ?? undefined,
    resourceGroupId: spec.resourceGroupId ?? undefined,
  });
}
