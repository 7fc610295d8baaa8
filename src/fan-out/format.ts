/**
 * Plain-text rendering of a sweep for a terminal: a totals line and an aligned table.
 * @module
 */
import { JobFailedError } from "../core/errors.js";
import { formatUsd } from "./cost.js";
import type { FanOutItemResult, FanOutResult } from "./types.js";

/** Options of {@link formatSummary}. */
export interface FormatSummaryOptions {
  /** Most item rows shown (the rest are counted in a last line). Default 50; `Infinity` shows all. */
  maxRows?: number;
  /** Widest a cell may be before it is cut with `…`. Default 40 (twice that for the last column). */
  maxCellWidth?: number;
}

/** `75` → `1m15s`; `3725` → `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return `${seconds < 10 && !Number.isInteger(seconds) ? seconds.toFixed(1) : Math.round(seconds)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function cut(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(1, width - 1))}…`;
}

function show(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `{ lr: 0.001, flavor: "l4x1" }` → `lr=0.001 flavor=l4x1`; anything else as JSON. */
export function formatParams(params: unknown): string {
  if (params !== null && typeof params === "object" && !Array.isArray(params)) {
    return Object.entries(params)
      .map(([key, value]) => `${key}=${show(value)}`)
      .join(" ");
  }
  return show(params);
}

function table(header: string[], rows: string[][], maxWidth: number): string[] {
  // The last column (value or error) is the one people read: give it more room.
  const last = header.length - 1;
  const cells = [header, ...rows].map((row) => row.map((cell, c) => cut(cell, c === last ? maxWidth * 2 : maxWidth)));
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? "").length)));
  return cells.map((row) =>
    row
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

function detail<P, C>(r: FanOutItemResult<P, C>): string {
  // The job id and stage are implied by the row: show the service's own words.
  if (r.error instanceof JobFailedError) return r.error.statusMessage ?? r.error.message;
  if (r.error) return r.error.message;
  if (r.value !== undefined) return show(r.value);
  if (r.strayJobs?.length) return `earlier job still running: ${r.strayJobs.map((j) => j.id).join(", ")}`;
  if (r.extraJobs?.length) return `extra jobs: ${r.extraJobs.map((e) => `${e.job.id}${e.leftRunning ? " (still running)" : ""}`).join(", ")}`;
  return "";
}

/**
 * Renders a sweep as text: one totals line, then one row per item (index, params, outcome,
 * stage, attempts, running time, cost, and the collected value or the error). A dry run shows the
 * plan instead: each item's flavor, timeout and worst-case cost (`skipped` for an item `resume`
 * would skip).
 *
 * ```text
 * Sweep sweep-20260101t120000-1a2b3c: 4 items, 3 completed, 1 failed, 0 canceled, 0 skipped · $0.0123 · wall 1m02s
 * #  params                    outcome    stage      tries  running  cost     value / error
 * 0  lr=0.0001 flavor=l4x1     completed  COMPLETED  1      45s      $0.0100  {"loss":0.31}
 * ```
 */
export function formatSummary<P, C>(sweep: FanOutResult<P, C>, options: FormatSummaryOptions = {}): string {
  const maxRows = options.maxRows ?? 50;
  const width = options.maxCellWidth ?? 40;
  const s = sweep.summary;
  const lines: string[] = [];
  if (sweep.dryRun) {
    const e = sweep.plan.estimate;
    const skipped = new Set(sweep.plan.skipped ?? []);
    const skips = skipped.size > 0 ? ` (${skipped.size} skipped by resume)` : "";
    lines.push(
      `Dry run of sweep ${s.sweepId}: ${s.total} items${skips}, worst case ${formatUsd(e.worstCaseUsd)}` +
        (e.worstCaseWithRetriesUsd !== e.worstCaseUsd ? ` (${formatUsd(e.worstCaseWithRetriesUsd)} with every retry)` : "") +
        (e.unknownFlavors.length > 0 ? `; no price for ${e.unknownFlavors.join(", ")}` : ""),
    );
    const byIndex = new Map(e.items.map((i) => [i.index, i]));
    const rows = sweep.plan.items.slice(0, maxRows).map((item) => {
      const est = byIndex.get(item.index);
      return [
        String(item.index),
        formatParams(item.params),
        est?.flavor ?? item.spec.flavor ?? "cpu-basic",
        est ? `${formatDuration(est.timeoutSeconds)}${est.defaultTimeout ? " (default)" : ""}` : "",
        skipped.has(item.index) ? "skipped" : formatUsd(est?.worstCaseUsd),
      ];
    });
    lines.push(...table(["#", "params", "flavor", "timeout", "worst case"], rows, width));
    if (sweep.plan.items.length > maxRows) lines.push(`… ${sweep.plan.items.length - maxRows} more`);
    return lines.join("\n");
  }
  const counts = [
    `${s.completed} completed`,
    `${s.failed} failed`,
    `${s.canceled} canceled`,
    `${s.skipped} skipped`,
    ...(s.notStarted > 0 ? [`${s.notStarted} not started`] : []),
    ...(s.detached > 0 ? [`${s.detached} left running`] : []),
    ...(s.extraJobs ? [`${s.extraJobs} extra job${s.extraJobs === 1 ? "" : "s"} (${s.extraJobsLeftRunning ? `${s.extraJobsLeftRunning} still running` : "cancelled"})`] : []),
  ];
  lines.push(
    `Sweep ${s.sweepId}: ${s.total} items, ${counts.join(", ")} · ${s.costComplete ? "" : "≥"}${formatUsd(s.costUsd)} · wall ${formatDuration(s.wallSeconds)}` +
      (s.stoppedBy ? ` · stopped: ${s.stoppedBy}` : ""),
  );
  const rows = sweep.results.slice(0, maxRows).map((r) => [
    String(r.index),
    formatParams(r.params),
    r.outcome,
    r.stage ?? "",
    String(r.attempts),
    r.attempts > 0 ? formatDuration(r.runningSecs) : "",
    r.attempts > 0 ? formatUsd(r.costUsd) : "",
    detail(r),
  ]);
  lines.push(...table(["#", "params", "outcome", "stage", "tries", "running", "cost", "value / error"], rows, width));
  if (sweep.results.length > maxRows) lines.push(`… ${sweep.results.length - maxRows} more`);
  return lines.join("\n");
}
