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

// Lines of a log share their minute: the epoch of the last `YYYY-MM-DDTHH:MM` is kept, keyed by
// its digits as a number (comparing strings costs more than the rest of the parse).
let minuteId = -1;
let minuteMs = 0;

/** Milliseconds of `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (hour < 24); other forms go to `Date.parse`. */
function parseIsoUtc(text: string): number {
  const last = text.length - 1;
  if (
    last < 19 ||
    text.charCodeAt(last) !== 90 /* Z */ ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58
  ) {
    return Date.parse(text);
  }
  const century = digits(text, 0);
  const year = digits(text, 2);
  const month = digits(text, 5);
  const day = digits(text, 8);
  const hour = digits(text, 11);
  const minute = digits(text, 14);
  const second = digits(text, 17);
  if (century < 0 || year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || second < 0 || second > 59) {
    return Date.parse(text);
  }
  const id = ((((century * 100 + year) * 100 + month) * 100 + day) * 100 + hour) * 100 + minute;
  if (id !== minuteId) {
    const base = Date.parse(`${text.slice(0, 16)}:00Z`); // validates the calendar (month 13 → NaN)
    if (Number.isNaN(base)) return base;
    minuteId = id;
    minuteMs = base;
  }
  let ms = 0;
  if (last > 19) {
    // `.` and at least one digit; digits past the third are checked, then dropped (as V8 does).
    if (text.charCodeAt(19) !== 46 /* . */ || last === 20) return Date.parse(text);
    for (let i = 20; i < last; i++) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return Date.parse(text);
      if (i < 23) ms += digit * (i === 20 ? 100 : i === 21 ? 10 : 1);
    }
  }
  return minuteMs + second * 1000 + ms;
}

/** The two decimal digits at `at` as a number, or -1. */
function digits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}
