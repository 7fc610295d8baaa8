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
      const date = new Date(this.#raw);
      this.#date = Number.isNaN(date.getTime()) ? undefined : date;
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

const PREFIX = '{"data":"';
const MIDDLE = '","timestamp":"';

// `startsWith` goes through the runtime (~100 ns a call); comparing char codes costs a few ns.
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
