/**
 * How jobs, hardware and scheduled jobs look in tables and plain text.
 * @module
 */
import type { Hardware, Job, JobImage } from "../types.js";
import { type Column, type OutputMode, shellJoin, usd, when } from "./output.js";

/** `python:3.12`, or `hf.co/spaces/owner/name` for a Space. */
export function imageText(image: JobImage): string {
  return image.type === "space" ? `hf.co/spaces/${image.spaceId}` : image.reference;
}

/** Columns of `ps`. */
export function jobColumns(mode: OutputMode): Column<Job>[] {
  return [
    { header: "JOB ID", get: (j) => j.id },
    { header: "NAME", get: (j) => j.name ?? "", max: 28 },
    { header: "IMAGE", get: (j) => imageText(j.image), max: 30 },
    { header: "COMMAND", get: (j) => shellJoin([...j.command, ...j.arguments]), max: 36 },
    { header: "FLAVOR", get: (j) => j.flavor },
    { header: "CREATED", get: (j) => when(j.createdAt, mode) },
    { header: "STATUS", get: (j) => j.status.stage },
  ];
}

/** Columns of `wait` and `cancel` results. */
export function outcomeColumns(): Column<Job>[] {
  return [
    { header: "JOB ID", get: (j) => j.id },
    { header: "STATUS", get: (j) => j.status.stage },
    { header: "MESSAGE", get: (j) => j.status.message ?? "" },
  ];
}

/** Columns of `hardware`. */
export function hardwareColumns(): Column<Hardware>[] {
  return [
    { header: "NAME", get: (h) => h.name },
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
