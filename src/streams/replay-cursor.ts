/**
 * Where the caller is in a job's log, so that a reconnection delivers every line exactly once,
 * identical lines included. The service replays the log from its start on every connection, or
 * its last `n` lines when asked with `tail=n`.
 *
 * - **Absolute** (no `tail`, or once a replay has been lined up): the cursor counts the events it
 *   has consumed, the `===== Job started` event included, and skips as many on the next
 *   connection. Exact whatever the lines are.
 * - **Relative** (after a `tail` connection, whose start in the log is unknown): the cursor counts
 *   the events consumed since that start, keeps a fingerprint of the last {@link WINDOW}, and the
 *   length of the run of identical events they end with. The next connection asks for the same
 *   `tail` again and skips that count, checking the skipped events against the fingerprints. If
 *   no line was logged between the two connections (a finished or quiet job), the second window
 *   starts where the first did and this is exact, even over thousands of identical lines. If the
 *   check fails (lines were logged meanwhile), the connection is replaced by a full replay, in
 *   which the cursor finds the place of the last events delivered (see {@link Seek}) and carries
 *   on from there, counting from the start (absolute).
 *
 * The limits that remain, in relative mode only, are listed in docs/streams.md ("`tail`").
 * @internal
 * @module
 */
import { type LogLine, toLogLine } from "./log-line.js";
import type { SseEvent } from "./sse.js";

const JOB_STARTED = "===== Job started";

/** Events fingerprinted at the end of a relative window. */
export const WINDOW = 32;

/**
 * How a full replay is searched for the place of the last events delivered:
 * - `pattern`: the last events are not all identical: the first occurrence of their fingerprints
 *   (a streaming KMP search); its end is the place.
 * - `run`: they end with a run of `r` identical events longer than the window, after a different
 *   one `D`: the first `D` followed by `r` copies; the place is after the `r`-th.
 * - `all`: every event delivered since the `tail` window started was the same `E` (`K` of them):
 *   the window started inside a run of copies of `E`, at an unknown offset. The cursor reads the
 *   first run of at least `K` copies to its end `b`; since the window held the last `n` lines of
 *   the log when it opened, its start was at least `b - n` (exact when the lines logged since
 *   differ from `E`), and the place is `max(runStart + K, b - n + K)`.
 * In every mode, an event stamped later than the last one delivered ends the search: nothing
 * logged after it can come before it.
 */
type Seek = "pattern" | "run" | "all";
type Mode = "count" | "window" | Seek;

/** Tracks the position in the log across connections; one instance per stream. @internal */
export class ReplayCursor {
  readonly #tail: number;
  /** Whether positions count from the start of the log. */
  #absolute: boolean;
  /** Absolute: events consumed from the start of the log. */
  #position = 0;
  /** Relative: events consumed since the start of the first `tail` window (`Job started` excluded). */
  #seen = 0;
  /** Relative: fingerprint of consumed event `k` at `k % WINDOW`, for the last `WINDOW` of them. */
  readonly #ring: number[] = [];
  /** Relative: how many consumed events at the end are identical, and the one before them. */
  #run = 0;
  #beforeRun: number | undefined;
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
  #runStart = 0;
  #seekMs: number | undefined;

  constructor(tail: number | undefined) {
    this.#tail = tail ?? 0;
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
    } else this.#beginSeek();
  }

  #beginSeek(): void {
    const w = Math.min(this.#seen, WINDOW);
    this.#pattern = [];
    for (let k = this.#seen - w; k < this.#seen; k++) this.#pattern.push(this.#ring[k % WINDOW] as number);
    this.#matched = 0;
    const last = this.#lastData === undefined ? undefined : toLogLine(this.#lastData);
    this.#seekMs = last?.timestamp?.getTime();
    if (this.#run >= this.#seen) this.#mode = "all";
    else if (this.#run >= w) {
      this.#mode = "run";
      this.#matched = -1;
    } else {
      this.#mode = "pattern";
      this.#failure = failureTable(this.#pattern);
    }
  }

  /** Whether the current connection must be replaced by a full replay to find the position. */
  get resync(): boolean {
    return this.#resync;
  }

  /** The lines of a batch of events that the caller has not seen yet. */
  take(events: SseEvent[]): LogLine[] {
    if (this.#mode === "count") return this.#takeCounted(events);
    const out: LogLine[] = [];
    for (let k = 0; k < events.length; k++) {
      const data = (events[k] as SseEvent).data;
      // `#seek` may have anchored the cursor on an earlier event of this batch: count the rest.
      if ((this.#mode as Mode) === "count") {
        for (const line of this.#takeCounted(events.slice(k))) out.push(line);
        return out;
      }
      const i = this.#index++;
      if (i === 0 && isJobStarted(data)) continue;
      if (this.#mode === "window") {
        const j = this.#rel++;
        if (j < this.#skip) {
          const expected = this.#expected(j);
          if (expected !== undefined && hashOf(data) !== expected) {
            this.#replay = true;
            this.#resync = true;
            return out;
          }
          continue;
        }
        this.#consume(data);
        const line = toLogLine(data);
        if (line !== undefined) out.push(line);
        continue;
      }
      this.#seek(data, i, out);
    }
    return out;
  }

  /** Absolute: every event past the position is a line (the loop that runs for every line of a long log). */
  #takeCounted(events: SseEvent[]): LogLine[] {
    const out: LogLine[] = [];
    const from = this.#index;
    const skip = Math.min(Math.max(this.#position - from, 0), events.length);
    for (let k = skip; k < events.length; k++) {
      const line = toLogLine((events[k] as SseEvent).data);
      if (line !== undefined && !(from + k === 0 && line.text.startsWith(JOB_STARTED))) out.push(line);
    }
    this.#index = from + events.length;
    if (this.#index > this.#position) this.#position = this.#index;
    return out;
  }

  /**
   * The fingerprint the `j`-th event of a repeated `tail` window must have if the window did not
   * move: the last {@link WINDOW} events, the whole final run of identical events, and the one
   * before it (so that a window that moved within a long run does not pass unseen).
   */
  #expected(j: number): number | undefined {
    const skip = this.#skip;
    if (j >= skip - WINDOW) return this.#ring[j % WINDOW];
    if (j >= skip - this.#run) return this.#ring[(skip - 1) % WINDOW];
    if (j === skip - this.#run - 1) return this.#beforeRun;
    return undefined;
  }

  /** Relative: one more event delivered. */
  #consume(data: string): void {
    const hash = hashOf(data);
    const last = this.#seen === 0 ? undefined : this.#ring[(this.#seen - 1) % WINDOW];
    if (hash === last) this.#run++;
    else {
      this.#beforeRun = last;
      this.#run = 1;
    }
    this.#ring[this.#seen % WINDOW] = hash;
    this.#seen++;
    this.#lastData = data;
  }

  /** Seeking, in a full replay, the place of the last events delivered; event `i` is `data`. */
  #seek(data: string, i: number, out: LogLine[]): void {
    const hash = hashOf(data);
    const last = this.#pattern[this.#pattern.length - 1];
    if (this.#mode === "pattern") {
      if (this.#step(hash)) {
        this.#anchor(i + 1);
        return;
      }
    } else if (this.#mode === "run") {
      // #matched: -1 while looking for the event before the run, else the copies seen after it.
      if (this.#matched >= 0 && hash === last) {
        if (++this.#matched === this.#run) this.#anchor(i + 1);
        return;
      }
      this.#matched = hash === this.#beforeRun ? 0 : -1;
      if (this.#matched === 0) return;
    } else {
      if (hash === last) {
        if (this.#matched++ === 0) this.#runStart = i;
        return;
      }
      if (this.#matched >= this.#seen) {
        // The first long enough run of copies ends here: place the window in it, deliver the
        // copies after that place, then this event.
        const place = Math.min(i, Math.max(this.#runStart + this.#seen, i - this.#tail + this.#seen));
        for (let c = place; c < i; c++) {
          const copy = toLogLine(this.#lastData as string);
          if (copy !== undefined) out.push(copy);
        }
        this.#anchor(i + 1);
        const line = toLogLine(data);
        if (line !== undefined) out.push(line);
        return;
      }
      this.#matched = 0;
    }
    const line = this.#seekMs === undefined ? undefined : toLogLine(data);
    const ms = line?.timestamp?.getTime();
    if (line !== undefined && ms !== undefined && ms > (this.#seekMs as number)) {
      // Not in the replay (nothing logged later can precede it): this event is the first new one.
      this.#anchor(i + 1);
      out.push(line);
    }
  }

  /** Feeds one fingerprint to the KMP search; whether the whole pattern has just been matched. */
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
