/**
 * On-disk log of one job: every line is stored as its ready-made SSE event, appended in batches.
 * @module
 */
import { EventEmitter } from "node:events";
import { type FileHandle, open } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";

/** Queue size (UTF-16 units) above which producers are asked to pause, and below which they resume. */
const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;

/** `data: {"data":...,"timestamp":...}` + blank line, keys in the service's order. */
export function formatLogEvent(data: string, timestamp: string): string {
  return `data: {"data":${JSON.stringify(data)},"timestamp":"${timestamp}"}\n\n`;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as in the `===== Job started at ... =====` line. */
function plainUtc(date: Date): string {
  return date.toISOString().slice(0, 19).replace("T", " ");
}

/**
 * Append-only event file. Readers follow `flushedBytes` (always an event boundary) and subscribe
 * with `onChange`; nothing but the small write queue is held in memory.
 */
export class LogFile {
  /** Bytes durably handed to the file; always ends on an event boundary. */
  flushedBytes = 0;
  /** Size of the `===== Job started` event at the start of the file (0 until written). */
  startedEventBytes = 0;
  /** `pending` until the job starts, `open` while it runs, `complete` once nothing more will come. */
  state: "pending" | "open" | "complete" = "pending";

  #fh: FileHandle | undefined;
  #queue: string[] = [];
  #queuedUnits = 0;
  #flushing: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #writeFailed = false;
  readonly #emitter = new EventEmitter();
  #drainListener: (() => void) | undefined;

  constructor(readonly path: string) {
    this.#emitter.setMaxListeners(0);
  }

  /** Calls `listener` whenever bytes were flushed or the state changed. Returns the unsubscriber. */
  onChange(listener: () => void): () => void {
    this.#emitter.on("change", listener);
    return () => this.#emitter.off("change", listener);
  }

  /** Creates the file and queues the `===== Job started at ... =====` event. */
  async start(at: Date): Promise<void> {
    // A job cancelled before it started has a complete (empty) log that must stay so.
    if (this.state !== "pending") return;
    const fh = await open(this.path, "w");
    if (this.state !== "pending") {
      await fh.close();
      return;
    }
    this.#fh = fh;
    this.state = "open";
    const event = formatLogEvent(`===== Job started at ${plainUtc(at)} =====`, `${at.toISOString().slice(0, 19)}Z`);
    this.startedEventBytes = Buffer.byteLength(event);
    this.#enqueue(event);
  }

  /** Queues one log line; returns false when the producer should pause until `onDrain`. */
  line(text: string, timestamp: string): boolean {
    if (this.state !== "open" || this.#writeFailed) return true;
    this.#enqueue(formatLogEvent(text, timestamp));
    return this.#queuedUnits < HIGH_WATER;
  }

  /** Registers the (single) callback that resumes a paused producer. */
  onDrain(listener: () => void): void {
    this.#drainListener = listener;
  }

  /** Flushes what is queued, closes the file and marks the log complete. */
  close(): Promise<void> {
    this.#closing ??= this.#finish();
    return this.#closing;
  }

  async #finish(): Promise<void> {
    if (this.state === "open") {
      while (this.#flushing || this.#queue.length > 0) {
        this.#flushing ??= this.#flush();
        await this.#flushing;
      }
      await this.#fh?.close().catch(() => {});
      this.#fh = undefined;
    }
    this.state = "complete";
    this.#emitter.emit("change");
  }

  #enqueue(event: string): void {
    this.#queue.push(event);
    this.#queuedUnits += event.length;
    this.#flushing ??= this.#flush();
  }

  /** Never rejects: on a write error (e.g. disk full) the rest of the log is dropped, the job goes on. */
  async #flush(): Promise<void> {
    try {
      // One turn of the event loop lets a whole stdout chunk queue up before the first write.
      await nextTurn();
      while (this.#queue.length > 0 && this.#fh) {
        const text = this.#queue.join("");
        this.#queue = [];
        const buf = Buffer.from(text);
        let offset = 0;
        while (offset < buf.length) {
          const { bytesWritten } = await this.#fh.write(buf, offset, buf.length - offset);
          offset += bytesWritten;
        }
        this.#queuedUnits -= text.length;
        this.flushedBytes += buf.length;
        this.#emitter.emit("change");
        if (this.#queuedUnits < LOW_WATER) this.#drainListener?.();
      }
    } catch {
      this.#writeFailed = true;
      this.#queue = [];
      this.#queuedUnits = 0;
      this.#drainListener?.();
    } finally {
      this.#flushing = undefined;
    }
  }
}

/**
 * Offset where the last `n` events of `[0, end)` start, found by scanning backwards: each event
 * holds exactly two newline bytes, both at its end. Returns 0 when there are fewer events.
 */
export async function tailOffset(fh: FileHandle, end: number, n: number): Promise<number> {
  const needed = 2 * n + 1;
  let seen = 0;
  let pos = end;
  const size = 64 * 1024;
  const buf = Buffer.allocUnsafe(size);
  while (pos > 0) {
    const len = Math.min(size, pos);
    pos -= len;
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buf[i] === 10 && ++seen === needed) return pos + i + 1;
    }
  }
  return 0;
}

/** Splits a text stream into lines on `\n`, keeping the partial last line until more comes or `end`. */
export class LineSplitter {
  #partial = "";

  /** A line longer than this is emitted in pieces, so a job printing without newlines cannot grow memory. */
  static readonly MAX_LINE = 1 << 20;

  /** Feeds text; calls `emit` for each complete line (a trailing `\r` is dropped). */
  push(text: string, emit: (line: string) => void): void {
    let start = 0;
    let nl = text.indexOf("\n");
    if (nl === -1) {
      this.#partial += text;
    } else {
      emit(stripCr(this.#partial + text.slice(0, nl)));
      this.#partial = "";
      start = nl + 1;
      for (nl = text.indexOf("\n", start); nl !== -1; nl = text.indexOf("\n", start)) {
        emit(stripCr(text.slice(start, nl)));
        start = nl + 1;
      }
      this.#partial = text.slice(start);
    }
    while (this.#partial.length > LineSplitter.MAX_LINE) {
      emit(this.#partial.slice(0, LineSplitter.MAX_LINE));
      this.#partial = this.#partial.slice(LineSplitter.MAX_LINE);
    }
  }

  /** Emits the partial last line, if any. */
  end(emit: (line: string) => void): void {
    if (this.#partial !== "") emit(stripCr(this.#partial));
    this.#partial = "";
  }
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
