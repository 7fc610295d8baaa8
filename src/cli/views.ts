/**
 * How jobs, hardware and scheduled jobs look in tables and plain text.
 * @module
 */
import type { Hardware, Job, JobImage, RunSpec } from "../types.js";
import { BOOTSTRAP_ARGV0 } from "../uv/bootstrap.js";
import { type Column, duration, type OutputMode, shellJoin, usd, when } from "./output.js";

/** `python:3.12`, or `hf.co/spaces/owner/name` for a Space. */
export function imageText(image: JobImage): string {
  return image.type === "space" ? `hf.co/spaces/${image.spaceId}` : image.reference;
}

/**
 * A job's command line as `ps` shows it. A uv job that ships local files runs a fixed bootstrap
 * (`sh -c <bootstrap> hf-jobs-uv <uv args...>`): it is shown as the `uv run <uv args...>` it ends in.
 */
export function commandText(argv: readonly string[]): string {
  const [shell, flag, script, argv0] = argv;
  const bootstrap = shell === "sh" && flag === "-c" && argv0 === BOOTSTRAP_ARGV0 && script?.includes('exec uv run "$@"');
  return shellJoin(bootstrap ? ["uv", "run", ...argv.slice(4)] : argv);
}

/** A spec as the CLI may print it: the secrets' names, never their values. */
export type PrintableSpec = Omit<RunSpec, "secrets"> & { secretNames: string[] };

/** Drops the secret values of a spec, keeping their names. */
export function printableSpec(spec: RunSpec): PrintableSpec {
  const { secrets, ...rest } = spec;
  return { ...rest, secretNames: Object.keys(secrets ?? {}) };
}

/**
 * A job as the CLI prints it in JSON: the SDK's job with the image as one string (a Docker
 * reference, or `hf.co/spaces/OWNER/NAME`) and `args` for the extra arguments, the shape of a
 * scheduled job's `job` field, so that `jq` filters work on both.
 */
export function jobJson(job: Job): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(job)) {
    if (key === "image") out.image = imageText(job.image);
    else if (key === "arguments") out.args = value;
    else out[key] = value;
  }
  return out;
}

/** Columns of `ps`. */
export function jobColumns(mode: OutputMode): Column<Job>[] {
  return [
    { header: "JOB ID", get: (j) => j.id, keep: true },
    { header: "NAME", get: (j) => j.name ?? "", max: 28 },
    { header: "IMAGE", get: (j) => imageText(j.image), max: 30 },
    { header: "COMMAND", get: (j) => commandText([...j.command, ...j.arguments]), max: 36 },
    { header: "FLAVOR", get: (j) => j.flavor },
    { header: "CREATED", get: (j) => when(j.createdAt, mode) },
    { header: "STATUS", get: (j) => j.status.stage },
    { header: "RUNTIME", get: (j) => (mode === "table" ? duration(j.durations.runningSecs) : String(j.durations.runningSecs ?? "")) },
  ];
}

/** Columns of `wait` and `cancel` results. */
export function outcomeColumns(): Column<Job>[] {
  return [
    { header: "JOB ID", get: (j) => j.id, keep: true },
    { header: "STATUS", get: (j) => j.status.stage },
    { header: "MESSAGE", get: (j) => j.status.message ?? "" },
  ];
}

/** Columns of `hardware`. */
export function hardwareColumns(): Column<Hardware>[] {
  return [
    { header: "NAME", get: (h) => h.name, keep: true },
    { header: "PRETTY NAME", get: (h) => h.prettyName },
    { header: "CPU", get: (h) => h.cpu ?? "" },
    { header: "RAM", get: (h) => h.ram ?? "" },
    { header: "ACCELERATOR", get: (h) => acceleratorText(h) },
    { header: "COST/MIN", get: (h) => usd(h.pricePerMinuteUsd) },
    { header: "COST/HOUR", get: (h) => usd(h.pricePerHourUsd) },
  ];
}

function acceleratorText(h: Hardware): string {
  const a = h.accelerator;
  if (!a) return "";
  const model = [a.manufacturer, a.model].filter(Boolean).join(" ");
  return `${a.quantity ?? 1}x ${model}${a.vram ? ` (${a.vram})` : ""}`.trim();
}
