/**
 * Turns the data of one log event into a line. It runs once per line of logs that can reach
 * millions of lines, so the usual shape, exactly as the service writes it
 * (`{"data":"...","timestamp":"2026-05-12T14:58:23.645Z"}`, no escapes), is sliced without
 * `JSON.parse`, and its timestamp computed without the `Date` string parser; anything else goes
 * through `JSON.parse` and `new Date()`, with the same results.
 * @internal
 * @module
 */

/** One line of a job's log. */
export interface LogLine {
  /** The line, without its newline. */
  text: string;
  /** When the service recorded it; `undefined` when the event carried no readable timestamp. */
  timestamp: Date | undefined;
}

const PREFIX = '{"data":"';
const MIDDLE = '","timestamp":"';

// `startsWith` goes through the runtime (~100 ns); comparing char codes inline costs a few ns.
function matches(text: string, at: number, expected: string): boolean {
  for (let i = expected.length - 1; i >= 0; i--) if (text.charCodeAt(at + i) !== expected.charCodeAt(i)) return false;
  return true;
}

/**
 * One event's data as a line: JSON `{data, timestamp}` (other keys ignored), else the raw text.
 * Empty data is not a line (`undefined`).
 */
export function toLogLine(data: string): LogLine | undefined {
  if (matches(data, 0, PREFIX) && data.indexOf("\\") === -1) {
    const end = data.indexOf('"', PREFIX.length);
    if (end !== -1 && matches(data, end, MIDDLE)) {
      const start = end + MIDDLE.length;
      const stop = data.length - 2;
      if (data.indexOf('"', start) === stop && data.charCodeAt(stop + 1) === 125 /* } */) {
        return { text: data.slice(PREFIX.length, end), timestamp: toDate(data.slice(start, stop)) };
      }
    }
  }
  if (data.charCodeAt(0) === 123 /* { */) {
    let value: { data?: unknown; timestamp?: unknown } | null = null;
    try {
      value = JSON.parse(data) as { data?: unknown; timestamp?: unknown } | null;
    } catch {
      // not JSON after all: raw text below
    }
    if (value !== null && typeof value === "object" && typeof value.data === "string") {
      return { text: value.data, timestamp: typeof value.timestamp === "string" ? toDate(value.timestamp) : undefined };
    }
  }
  return data === "" ? undefined : { text: data, timestamp: undefined };
}

/** A timestamp as a `Date`, or `undefined` when it does not parse. Same result as `new Date(text)`. */
export function toDate(text: string): Date | undefined {
  const ms = parseIsoUtc(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

// Lines of a log share their minute: the epoch of the last `YYYY-MM-DDTHH:MM` is kept.
let minuteKey = "";
let minuteMs = 0;
const MINUTE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** Milliseconds of `YYYY-MM-DDTHH:MM:SS[.fraction]Z`; other forms go to `Date.parse`. */
function parseIsoUtc(text: string): number {
  const last = text.length - 1;
  if (last < 19 || text.charCodeAt(last) !== 90 /* Z */ || text.charCodeAt(16) !== 58 /* : */) return Date.parse(text);
  if (minuteKey === "" || !matches(text, 0, minuteKey)) {
    const key = text.slice(0, 16);
    const base = MINUTE_RE.test(key) ? Date.parse(`${key}:00Z`) : Number.NaN;
    if (Number.isNaN(base)) return Date.parse(text);
    minuteKey = key;
    minuteMs = base;
  }
  const s1 = text.charCodeAt(17) - 48;
  const s2 = text.charCodeAt(18) - 48;
  if (s1 < 0 || s1 > 5 || s2 < 0 || s2 > 9) return Date.parse(text);
  let ms = 0;
  if (last > 19) {
    // `.` then at least one digit; digits past the third are checked, then truncated (as V8 does).
    if (text.charCodeAt(19) !== 46 /* . */ || last === 20) return Date.parse(text);
    let scale = 100;
    for (let i = 20; i < last; i++) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return Date.parse(text);
      ms += digit * scale;
      scale = scale > 1 ? scale / 10 : 0;
    }
  }
  return minuteMs + (s1 * 10 + s2) * 1000 + ms;
}
