/**
 * Where the caller is in a job's log, so that a reconnection delivers every line exactly once,
 * identical lines included. The service replays the log from its start on every connection, or
 * its last `n` lines when asked with `tail=n`.
 *
 * - **Absolute** (no `tail`, or once a replay has been lined up): the cursor counts the events it
 *   has consumed, the `===== Job started` event included, and skips as many on the next
 *   connection. Exact whatever the lines are.
 * - **Relative** (after a `tail` connection, whose start in the log is unknown): the cursor counts
 *   the events consumed since that start and keeps a fingerprint of the last {@link WINDOW}. The
 *   next connection asks for the same `tail` again and skips that count, checking the skipped
 *   events against the fingerprints. If no line was logged between the two connections (a
 *   finished or quiet job), the second window starts where the first did and this is exact, even
 *   over thousands of identical lines. If the check fails (lines were logged meanwhile), the
 *   connection is replaced by a full replay, in which the cursor looks for the fingerprinted
 *   sequence (a streaming KMP search) and carries on after its first occurrence, counting from
 *   there (absolute). If the sequence is not in the replay, it carries on at the first event
 *   stamped later than the last one delivered.
 *
 * What remains inexact, in relative mode only (see docs/streams.md): lines are lost if lines were
 * logged between the two connections and the check still passed, which takes the skipped events to
 * be identical (text and millisecond) to those logged since; lines are repeated if the last
 * {@link WINDOW} events delivered occur, identical to the millisecond, earlier in the full replay.
 * @internal
 * @module
 */
import { type LogLine, toLogLine } from "./log-line.js";
import type { SseEvent } from "./sse.js";

const JOB_STARTED = "===== Job started";

/** Events fingerprinted at the end of a relative window. */
export const WINDOW = 32;

type Mode = "count" | "window" | "seek";

/** Tracks the position in the log across connections; one instance per stream. @internal */
export class ReplayCursor {
  readonly #tail: number | undefined;
  /** Whether positions count from the start of the log. */
  #absolute: boolean;
  /** Absolute: events consumed from the start of the log. */
  #position = 0;
  /** Relative: events consumed since the start of the first `tail` window (`Job started` excluded). */
  #seen = 0;
  /** Relative: fingerprint of consumed event `k` at `k % WINDOW`, for the last `WINDOW` of them. */
  readonly #ring: number[] = [];
  /** Relative: the data of the last event consumed. */
  #lastData: string | undefined;
  /** Relative: a `tail` connection did not line up; the next one is a full replay. */
  #replay = false;
  // Per connection.
  #tailed = false;
  #mode: Mode = "count";
  #index = 0;
  #rel = 0;
  #skip = 0;
  #resync = false;
  #pattern: number[] = [];
  #failure: number[] = [];
  #matched = 0;
  #seekMs: number | undefined;

  constructor(tail: number | undefined) {
    this.#tail = tail;
    this.#absolute = tail === undefined;
  }

  /** The query of the next connection: `tail` while the position is relative, unless a replay is needed. */
  query(): Array<[string, string]> | undefined {
    this.#tailed = !this.#absolute && !this.#replay;
    return this.#tailed ? [["tail", String(this.#tail)]] : undefined;
  }

  /** A new connection starts (after `query()`). */
  begin(): void {
    this.#index = 0;
    this.#resync = false;
    if (this.#absolute) this.#mode = "count";
    else if (this.#tailed) {
      this.#mode = "window";
      this.#rel = 0;
      this.#skip = this.#seen;
    } else {
      this.#mode = "seek";
      const w = Math.min(this.#seen, WINDOW);
      this.#pattern = [];
      for (let k = this.#seen - w; k < this.#seen; k++) this.#pattern.push(this.#ring[k % WINDOW] as number);
      this.#failure = failureTable(this.#pattern);
      this.#matched = 0;
      if (w === 0) this.#anchor(0);
      const last = this.#lastData === undefined ? undefined : toLogLine(this.#lastData);
      this.#seekMs = last?.timestamp?.getTime();
    }
  }

  /** Whether the current connection must be replaced by a full replay to find the position. */
  get resync(): boolean {
    return this.#resync;
  }

  /** The lines of a batch of events that the caller has not seen yet. */
  take(events: SseEvent[]): LogLine[] {
    const out: LogLine[] = [];
    for (let k = 0; k < events.length; k++) {
      const data = (events[k] as SseEvent).data;
      const i = this.#index++;
      if (this.#mode === "count") {
        if (i < this.#position) continue;
        this.#position = i + 1;
        const line = toLogLine(data);
        if (line !== undefined && !(i === 0 && line.text.startsWith(JOB_STARTED))) out.push(line);
        continue;
      }
      if (i === 0 && isJobStarted(data)) continue;
      if (this.#mode === "window") {
        const j = this.#rel++;
        if (j < this.#skip) {
          if (j >= this.#skip - WINDOW && hashOf(data) !== this.#ring[j % WINDOW]) {
            this.#replay = true;
            this.#resync = true;
            return out;
          }
          continue;
        }
        this.#ring[this.#seen % WINDOW] = hashOf(data);
        this.#seen++;
        this.#lastData = data;
        const line = toLogLine(data);
        if (line !== undefined) out.push(line);
        continue;
      }
      // Seeking, in a full replay, the end of the last events delivered.
      if (this.#step(hashOf(data))) {
        this.#anchor(i + 1);
        continue;
      }
      const line = this.#seekMs === undefined ? undefined : toLogLine(data);
      const ms = line?.timestamp?.getTime();
      if (line !== undefined && ms !== undefined && ms > (this.#seekMs as number)) {
        // Not in the replay (nothing logged later can precede it): this event is the first new one.
        this.#anchor(i + 1);
        out.push(line);
      }
    }
    return out;
  }

  /** Feeds one fingerprint to the search; whether the whole pattern has just been matched. */
  #step(hash: number): boolean {
    const pattern = this.#pattern;
    let q = this.#matched;
    while (q > 0 && pattern[q] !== hash) q = this.#failure[q - 1] as number;
    if (pattern[q] === hash) q++;
    this.#matched = q;
    return q === pattern.length;
  }

  #anchor(position: number): void {
    this.#absolute = true;
    this.#position = position;
    this.#mode = "count";
    this.#ring.length = 0;
    this.#pattern = [];
    this.#failure = [];
  }
}

function isJobStarted(data: string): boolean {
  return toLogLine(data)?.text.startsWith(JOB_STARTED) === true;
}

/** KMP failure table: for each prefix, the length of its longest proper border. */
function failureTable(pattern: number[]): number[] {
  const failure = new Array<number>(pattern.length).fill(0);
  let q = 0;
  for (let i = 1; i < pattern.length; i++) {
    while (q > 0 && pattern[i] !== pattern[q]) q = failure[q - 1] as number;
    if (pattern[i] === pattern[q]) q++;
    failure[i] = q;
  }
  return failure;
}

/**
 * A fingerprint of an event's data: 32-bit FNV-1a of its UTF-16 code units, with its length in
 * the upper bits (an integer below 2^53).
 */
function hashOf(data: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) {
    h ^= data.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) + (data.length % 0x100000) * 0x100000000;
}
