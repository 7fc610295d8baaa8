/**
 * Validation of incoming job specs and label bodies (the zod schemas of src/wire/schemas.ts plus the
 * rules the service documents), and the secret-free view of a spec that responses carry.
 * @module
 */
import type { z } from "zod";
import { JobSpecWire, LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, LabelsBodyWire, type VolumeWire } from "../wire/schemas.js";
import { HttpError } from "./errors.js";
import { DEFAULT_FLAVOR, findFlavor } from "./hardware.js";

/** A validated spec with defaults applied. Secret values live only here, never in a response. */
export interface JobSpec {
  dockerImage?: string;
  spaceId?: string;
  command: string[];
  arguments: string[];
  environment: Record<string, string>;
  secrets: Record<string, string>;
  flavor: string;
  timeoutSeconds: number | null;
  labels: Record<string, string>;
  volumes: VolumeWire[];
  expose?: { ports: number[] };
  ssh?: { enabled: boolean };
  arch?: string;
  attempts?: number;
  resourceGroupId?: string;
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

/** Rejects labels the service documents as invalid. */
export function checkLabels(labels: Record<string, string>): void {
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_KEY_PATTERN.test(key)) throw new HttpError(400, `Invalid label key "${key}": 1-100 letters, digits, '.', '-' or '_'`);
    if (!LABEL_VALUE_PATTERN.test(value)) throw new HttpError(400, `Invalid value for label "${key}": up to 100 letters, digits, '.', '-' or '_'`);
  }
}

function checkVariables(kind: string, vars: Record<string, string>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (key === "" || key.includes("=") || key.includes("\0")) throw new HttpError(400, `Invalid ${kind} name "${key}"`);
    if (value.includes("\0")) throw new HttpError(400, `Invalid ${kind} value for "${key}": contains a NUL byte`);
  }
}

/** Parses a JobSpec body (POST /api/jobs/{ns}, or the `jobSpec` of a scheduled job). */
export function parseJobSpec(body: unknown, where: "job" | "scheduled-job"): JobSpec {
  const parsed = JobSpecWire.safeParse(body);
  if (!parsed.success) throw new HttpError(400, `Invalid job spec: ${describe(parsed.error)}`);
  const s = parsed.data;
  if ((s.dockerImage === undefined) === (s.spaceId === undefined)) {
    throw new HttpError(400, "Invalid job spec: exactly one of dockerImage and spaceId is required");
  }
  if (s.dockerImage === "" || s.spaceId === "") throw new HttpError(400, "Invalid job spec: the image must not be empty");
  const flavor = s.flavor ?? DEFAULT_FLAVOR;
  if (!findFlavor(flavor)) throw new HttpError(400, `Invalid job spec: unknown flavor "${flavor}" (see GET /api/jobs/hardware)`);
  if (where === "scheduled-job" && s.ssh !== undefined) throw new HttpError(400, "Invalid job spec: ssh is not available for scheduled jobs");
  const command = s.command ?? [];
  const args = s.arguments ?? [];
  if ([...command, ...args].some((a) => a.includes("\0"))) throw new HttpError(400, "Invalid job spec: command and arguments must not contain NUL bytes");
  const environment = s.environment ?? {};
  const secrets = s.secrets ?? {};
  checkVariables("environment variable", environment);
  checkVariables("secret", secrets);
  const labels = s.labels ?? {};
  checkLabels(labels);
  const spec: JobSpec = {
    command,
    arguments: args,
    environment,
    secrets,
    flavor,
    timeoutSeconds: s.timeoutSeconds ?? null,
    labels,
    volumes: s.volumes ?? [],
  };
  if (s.dockerImage !== undefined) spec.dockerImage = s.dockerImage;
  if (s.spaceId !== undefined) spec.spaceId = s.spaceId;
  if (s.expose !== undefined) spec.expose = { ports: [...s.expose.ports] };
  if (s.ssh !== undefined) spec.ssh = { enabled: s.ssh.enabled };
  if (s.arch !== undefined) spec.arch = s.arch;
  if (s.attempts !== undefined) spec.attempts = s.attempts;
  if (s.resourceGroupId !== undefined) spec.resourceGroupId = s.resourceGroupId;
  return spec;
}

/** Parses `{"labels": {...}}` (PUT .../labels). */
export function parseLabelsBody(body: unknown): Record<string, string> {
  const parsed = LabelsBodyWire.safeParse(body);
  if (!parsed.success) throw new HttpError(400, `Invalid labels body: ${describe(parsed.error)}`);
  checkLabels(parsed.data.labels);
  return parsed.data.labels;
}

/** A deep copy, so that later label changes of one job never leak into another. */
export function cloneSpec(spec: JobSpec): JobSpec {
  return structuredClone(spec);
}

/**
 * The `jobSpec` of a ScheduledJob response: secrets as names only. The timeout appears both as
 * `timeoutSeconds` and as `timeout`, the name the Python client reads.
 */
export function specToWire(spec: JobSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    dockerImage: spec.dockerImage ?? null,
    spaceId: spec.spaceId ?? null,
    command: spec.command,
    arguments: spec.arguments,
    environment: spec.environment,
    secrets: Object.keys(spec.secrets),
    flavor: spec.flavor,
    arch: spec.arch ?? "amd64",
    timeout: spec.timeoutSeconds,
    timeoutSeconds: spec.timeoutSeconds,
    labels: spec.labels,
    volumes: spec.volumes,
  };
  if (spec.expose) out.expose = spec.expose;
  if (spec.attempts !== undefined) out.attempts = spec.attempts;
  if (spec.resourceGroupId !== undefined) out.resourceGroupId = spec.resourceGroupId;
  return out;
}
