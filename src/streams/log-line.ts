/**
 * Turns the data of one log event into a line. It runs once per line of logs that can reach
 * millions of lines, so it allocates the line and nothing else: the usual shape, exactly as the
 * service writes it (`{"data":"...","timestamp":"..."}`, no escapes), is sliced without
 * `JSON.parse`, and the timestamp becomes a `Date` only when someone reads it (building a `Date`
 * per line costs as much as parsing the line). Anything else goes through `JSON.parse`.
 * @internal
 * @module
 */
import { inspect } from "node:util";

/**
 * One line of a job's log. `timestamp` is computed on first access; `JSON.stringify` and
 * `console.log` show both fields, but an object spread (`{ ...line }`) copies only `text`.
 */
export interface LogLine {
  /** The line, without its newline. */
  text: string;
  /** When the service recorded it; `undefined` when the event carried no readable timestamp. */
  timestamp: Date | undefined;
}

/** A line whose timestamp text is parsed on first access. */
class Line implements LogLine {
  text: string;
  #raw: string | undefined;
  #date: Date | undefined;

  constructor(text: string, raw: string | undefined) {
    this.text = text;
    this.#raw = raw;
  }

  get timestamp(): Date | undefined {
    if (this.#raw !== undefined) {
      const ms = timestampMs(this.#raw);
      this.#date = Number.isNaN(ms) ? undefined : new Date(ms);
      this.#raw = undefined;
    }
    return this.#date;
  }

  set timestamp(value: Date | undefined) {
    this.#raw = undefined;
    this.#date = value;
  }

  toJSON(): { text: string; timestamp: Date | undefined } {
    return { text: this.text, timestamp: this.timestamp };
  }

  [inspect.custom](): { text: string; timestamp: Date | undefined } {
    return this.toJSON();
  }
}

// The minute `YYYY-MM-DDTHH:MM:` of the last timestamp read, and its time: consecutive lines of a
// log almost always share it, so only seconds and milliseconds are left to read.
let minuteText = "";
let minuteMs = Number.NaN;

function digit(text: string, at: number): number {
  const code = text.charCodeAt(at) - 48;
  return code >= 0 && code <= 9 ? code : Number.NaN;
}

// Where `YYYY-MM-DDTHH:MM:` holds digits and separators.
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15];
const SEPARATORS: Array<[number, number]> = [[4, 45], [7, 45], [10, 84], [13, 58], [16, 58]];

/** Whether `text` starts with a minute in the strict ISO form, not at hour 24 (a special case). */
function isIsoMinute(text: string): boolean {
  for (const [at, code] of SEPARATORS) if (text.charCodeAt(at) !== code) return false;
  for (const at of DIGITS) if (Number.isNaN(digit(text, at))) return false;
  return !(text.charCodeAt(11) === 50 && text.charCodeAt(12) === 52);
}

/**
 * `Date.parse(text)`, with a fast path for the service's UTC form `YYYY-MM-DDTHH:MM:SS[.fff…]Z`
 * (parsing a date string costs as much as parsing the whole line). The minute goes through
 * `Date.parse` itself, so both agree on every quirk (such as out-of-range days); fraction digits
 * past the milliseconds are dropped, as `Date.parse` does.
 */
export function timestampMs(text: string): number {
  const n = text.length;
  // At most 9 fraction digits: the engine reads longer fractions its own way.
  if (n < 20 || n > 30) return Date.parse(text);
  if (minuteText === "" || text.indexOf(minuteText) !== 0) {
    if (!isIsoMinute(text)) return Date.parse(text);
    minuteText = text.slice(0, 17);
    minuteMs = Date.parse(`${minuteText}00Z`);
  }
  // Characters of a slice are slow to read one by one; this short copy is not.
  const rest = text.slice(17);
  const last = rest.length - 1;
  if (rest.charCodeAt(last) !== 90 /* Z */) return Date.parse(text);
  const seconds = digit(rest, 0) * 10 + digit(rest, 1);
  if (!(seconds < 60)) return Date.parse(text);
  let ms = 0;
  if (last > 2) {
    // `.`, then digits up to the Z, of which the first three are the milliseconds
    if (rest.charCodeAt(2) !== 46 /* . */ || last === 3) return Date.parse(text);
    for (let i = 3; i < last; i++) {
      const d = digit(rest, i);
      if (Number.isNaN(d)) return Date.parse(text);
      if (i < 6) ms = ms * 10 + d;
    }
    if (last < 6) ms *= last === 4 ? 100 : 10;
  } else if (last !== 2) return Date.parse(text);
  return minuteMs + seconds * 1000 + ms;
}

const PREFIX = '{"data":"';
const MIDDLE = '","timestamp":"';

/**
 * One event's data as a line: JSON `{data, timestamp}` (other keys ignored), else the raw text.
 * Empty data is not a line (`undefined`).
 */
export function toLogLine(data: string): LogLine | undefined {
  // Each call on a slice of a decoded chunk has a fixed cost: few native searches beat comparing
  // characters one by one (`indexOf(x) === 0` is also cheaper than `startsWith` there).
  if (data.indexOf(PREFIX) === 0 && data.indexOf("\\") === -1) {
    const end = data.indexOf('"', PREFIX.length);
    if (end !== -1 && data.indexOf(MIDDLE, end) === end) {
      const start = end + MIDDLE.length;
      const stop = data.length - 2;
      if (data.indexOf('"', start) === stop && data.charCodeAt(stop + 1) === 125 /* } */) {
        return new Line(data.slice(PREFIX.length, end), data.slice(start, stop));
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
      return new Line(value.data, typeof value.timestamp === "string" ? value.timestamp : undefined);
    }
  }
  return data === "" ? undefined : new Line(data, undefined);
}
