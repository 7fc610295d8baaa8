/**
 * What commands print on stdout. Four modes: aligned tables when stdout is a terminal,
 * tab-separated plain text when it is not (for `cut`, `awk`, `column -t`), `--json` (one JSON
 * object per line, for lists too) and `-q` (ids only). Nothing here needs a terminal.
 * @module
 */
import { UsageError } from "./exit.js";

/** How results are printed. */
export type OutputMode = "table" | "plain" | "json" | "quiet";

/** A column of a table. */
export interface Column<T> {
  header: string;
  get: (row: T) => string;
  /** Widest cell on a terminal; longer cells are cut with `…`. Plain text is never cut. */
  max?: number;
  /** Narrowest column on a terminal. */
  min?: number;
}

/** A writable text sink with the bits of a `tty.WriteStream` we use. */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Picks the mode from `--json`, `-q` and whether stdout is a terminal. */
export function outputMode(options: { json: boolean; quiet: boolean }, isTTY: boolean): OutputMode {
  if (options.json && options.quiet) throw new UsageError("--json and -q/--quiet cannot be combined");
  if (options.json) return "json";
  if (options.quiet) return "quiet";
  return isTTY ? "table" : "plain";
}

/** Printer of results on stdout. */
export class Output {
  readonly mode: OutputMode;
  readonly #sink: TextSink;

  constructor(sink: TextSink, mode: OutputMode) {
    this.#sink = sink;
    this.mode = mode;
  }

  /** Whether stdout is a terminal. */
  get isTTY(): boolean {
    return this.#sink.isTTY === true;
  }

  /** Writes one line. */
  line(text: string): void {
    this.#sink.write(`${text}\n`);
  }

  /** Writes text as is. */
  raw(text: string): void {
    this.#sink.write(text);
  }

  /** Writes one JSON object on one line. */
  json(value: unknown): void {
    this.#sink.write(`${JSON.stringify(value)}\n`);
  }

  /**
   * Prints rows in the current mode: a table, tab-separated lines (with a header line), one JSON
   * object per row, or the ids alone.
   */
  rows<T>(rows: readonly T[], columns: readonly Column<T>[], how: { id: (row: T) => string; json: (row: T) => unknown }): void {
    switch (this.mode) {
      case "json":
        for (const row of rows) this.json(how.json(row));
        return;
      case "quiet":
        for (const row of rows) this.line(how.id(row));
        return;
      case "plain":
        this.line(columns.map((c) => c.header).join("\t"));
        for (const row of rows) this.line(columns.map((c) => plainCell(c.get(row))).join("\t"));
        return;
      case "table":
        for (const line of renderTable(rows, columns)) this.line(line);
    }
  }
}

/** Tabs and line breaks would break tab-separated lines. */
function plainCell(text: string): string {
  return text.replace(/[\t\r\n]+/g, " ");
}

/** Aligned table lines (header first), cells cut at their column's `max`. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string[] {
  const cells = rows.map((row) => columns.map((c) => truncate(plainCell(c.get(row)), c.max)));
  const widths = columns.map((c, i) => Math.max(c.min ?? 0, c.header.length, ...cells.map((r) => (r[i] ?? "").length)));
  const render = (parts: string[]) =>
    parts
      .map((p, i) => (i === parts.length - 1 ? p : p.padEnd(widths[i] ?? 0)))
      .join("   ")
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...cells.map(render)];
}

/** Cuts text to `max` characters, ending with `…`. */
export function truncate(text: string, max?: number): string {
  if (max === undefined || text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** `5 minutes ago`, `2 hours ago`, ... */
export function ago(date: Date | undefined, now: Date = new Date()): string {
  if (!date || Number.isNaN(date.getTime())) return "";
  const secs = Math.max(0, Math.round((now.getTime() - date.getTime()) / 1000));
  if (secs < 60) return `${secs} seconds ago`;
  const units: Array<[number, string]> = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ];
  for (const [size, unit] of units) {
    const n = Math.floor(secs / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
  }
  return "";
}

/** ISO time, or empty. */
export function iso(date: Date | undefined): string {
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : "";
}

/** A time column: relative on a terminal, ISO otherwise. */
export function when(date: Date | undefined, mode: OutputMode): string {
  return mode === "table" ? ago(date) : iso(date);
}

/** An argv shown as a shell would need it typed (display only; never executed). */
export function shellJoin(argv: readonly string[]): string {
  return argv.map((a) => (a !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}

/** `1.2 GB`, `512 MB`, ... */
export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i += 1;
  }
  return `${i === 0 ? value : value.toFixed(1)} ${units[i]}`;
}

/** `$1.50` with enough digits for small prices. */
export function usd(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "";
  return n !== 0 && Math.abs(n) < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`;
}
