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
  /** Never cut to fit the terminal (ids: they are copied into the next command). */
  keep?: boolean;
}

/** A writable text sink with the bits of a `tty.WriteStream` we use. */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

// `--format` values; `human`, `agent` and `auto` are the names `hf` uses.
const FORMATS: Record<string, OutputMode | "auto"> = { table: "table", human: "table", plain: "plain", agent: "plain", json: "json", quiet: "quiet", auto: "auto" };

/** Picks the mode from `--format`, `--json`, `-q` and whether stdout is a terminal. */
export function outputMode(options: { json: boolean; quiet: boolean; format?: string }, isTTY: boolean): OutputMode {
  if (options.json && options.quiet) throw new UsageError("--json and -q/--quiet cannot be combined");
  const auto: OutputMode = isTTY ? "table" : "plain";
  if (options.format !== undefined) {
    const chosen = FORMATS[options.format.toLowerCase()];
    if (chosen === undefined) throw new UsageError(`--format expects table, plain, json, quiet or auto, got "${options.format}"`);
    const mode = chosen === "auto" ? auto : chosen;
    if ((options.json && mode !== "json") || (options.quiet && mode !== "quiet")) throw new UsageError(`--format ${options.format} contradicts ${options.json ? "--json" : "-q"}`);
    return mode;
  }
  if (options.json) return "json";
  if (options.quiet) return "quiet";
  return auto;
}

/** How tables are laid out on a terminal. */
export interface TableLayout {
  /** Terminal width: columns shrink (cells cut with `…`) until the table fits. */
  width?: number;
  /** Never cut a cell (`--no-truncate`). */
  noTruncate?: boolean;
}

/** Printer of results on stdout. */
export class Output {
  readonly mode: OutputMode;
  readonly layout: TableLayout;
  readonly #sink: TextSink;
  readonly #mask: (text: string) => string;

  /** `mask` is applied to everything written (secret values never reach stdout). */
  constructor(sink: TextSink, mode: OutputMode, layout: TableLayout = {}, mask: (text: string) => string = (text) => text) {
    this.#sink = sink;
    this.mode = mode;
    this.layout = layout;
    this.#mask = mask;
  }

  /** Whether stdout is a terminal. */
  get isTTY(): boolean {
    return this.#sink.isTTY === true;
  }

  /** Writes one line. */
  line(text: string): void {
    this.#sink.write(`${this.#mask(text)}\n`);
  }

  /** Writes text as is (masked). */
  raw(text: string): void {
    this.#sink.write(this.#mask(text));
  }

  /** Writes one JSON object on one line. */
  json(value: unknown): void {
    this.#sink.write(`${this.#mask(JSON.stringify(value))}\n`);
  }

  /**
   * Prints rows in the current mode: a table, tab-separated lines (with a header line), one JSON
   * object per row, or the ids alone.
   */
  rows<T>(rows: readonly T[], given: readonly Column<T>[], how: { id: (row: T) => string; json: (row: T) => unknown }): void {
    // Masked cell by cell, before the widths are measured, so that columns stay aligned.
    const columns = given.map((c) => ({ ...c, get: (row: T) => this.#mask(c.get(row)) }));
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
        for (const line of renderTable(rows, columns, this.layout)) this.line(line);
    }
  }
}

/** Tabs and line breaks would break tab-separated lines. */
function plainCell(text: string): string {
  return text.replace(/[\t\r\n]+/g, " ");
}

/**
 * Aligned table lines (header first). Cells are cut at their column's `max`, then the widest
 * columns shrink until the table fits `layout.width`; `layout.noTruncate` cuts nothing.
 */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], layout: TableLayout = {}): string[] {
  const cut = layout.noTruncate !== true;
  const texts = rows.map((row) => columns.map((c) => plainCell(c.get(row))));
  const natural = columns.map((c, i) => {
    const cap = cut && c.max !== undefined ? c.max : Number.POSITIVE_INFINITY;
    return Math.max(c.min ?? 0, c.header.length, ...texts.map((r) => Math.min((r[i] ?? "").length, cap)));
  });
  const widths = cut && layout.width ? fitWidths(natural, columns, layout.width) : natural;
  const cells = texts.map((r) => r.map((text, i) => (cut ? truncate(text, widths[i]) : text)));
  const render = (parts: string[]) =>
    parts
      .map((p, i) => (i === parts.length - 1 ? p : p.padEnd(widths[i] ?? 0)))
      .join(SEPARATOR)
      .trimEnd();
  return [render(columns.map((c, i) => (cut ? truncate(c.header, widths[i]) : c.header))), ...cells.map(render)];
}

const SEPARATOR = "  ";

/**
 * Shrinks columns one character at a time, the widest first, until the table fits: first the
 * free-text ones (those with a `max`), then the others; `keep` columns stay whole.
 */
function fitWidths<T>(natural: readonly number[], columns: readonly Column<T>[], width: number): number[] {
  const widths = [...natural];
  const whole = columns.map((c, i) => (c.keep ? (natural[i] as number) : Math.max(c.header.length, 4)));
  const cut = columns.map((c, i) => (c.keep ? (natural[i] as number) : Math.min(natural[i] as number, 4)));
  const total = () => widths.reduce((a, b) => a + b, 0) + SEPARATOR.length * (widths.length - 1);
  // Free text first, then any column, headers whole; on a very narrow terminal, headers too.
  const passes: Array<[(c: Column<T>) => boolean, number[]]> = [
    [(c) => c.max !== undefined, whole],
    [() => true, whole],
    [() => true, cut],
  ];
  for (const [pass, floor] of passes) {
    while (total() > width) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if (!pass(columns[i] as Column<T>) || (widths[i] as number) <= (floor[i] as number)) continue;
        if (widest < 0 || (widths[i] as number) > (widths[widest] as number)) widest = i;
      }
      if (widest < 0) break; // nothing left to shrink in this pass
      widths[widest] = (widths[widest] as number) - 1;
    }
  }
  return widths;
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
  if (secs < 60) return `${plural(secs, "second")} ago`;
  const units: Array<[number, string]> = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ];
  for (const [size, unit] of units) {
    const n = Math.floor(secs / size);
    if (n >= 1) return `${plural(n, unit)} ago`;
  }
  return "";
}

/** `1 item`, `2 items`, `0 items`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** `45s`, `3m 20s`, `2h 05m`: a duration for tables. */
export function duration(secs: number | undefined): string {
  if (secs === undefined || !Number.isFinite(secs) || secs < 0) return "";
  const s = Math.round(secs);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
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
