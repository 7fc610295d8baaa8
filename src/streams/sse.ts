/**
 * Reads a response body as Server-Sent Events, pulled by the consumer: one chunk is read, decoded,
 * fed to `eventsource-parser`, and the events it completed are yielded as one batch before the
 * next chunk is read. Nothing accumulates beyond one chunk, so memory stays flat however long the
 * stream is, and a consumer that stops pulling applies back-pressure to the socket.
 *
 * Two silence windows, measured only while waiting for the server (time the consumer spends
 * between pulls does not count):
 * - `idleTimeoutMs`: no byte at all (a keep-alive comment counts as bytes) → the generator
 *   returns `"idle"`: the connection is presumed dead.
 * - `quietMs`: no event (keep-alives do not count) → an empty batch is yielded and the pending
 *   read is kept, so the consumer can look at the job and carry on with the same connection.
 *   The value passed to `next()` after that (or after any batch) replaces `quietMs`.
 *
 * One event, or one line not yet ended, may hold at most `maxEventChars` characters: a server
 * that never sends a line break cannot make the parser's buffer grow without limit.
 * @internal
 * @module
 */
import { type EventSourceMessage, createParser } from "eventsource-parser";
import { EventTooLargeError } from "../core/errors.js";
import { MAX_TIMEOUT_MS } from "../core/options.js";

/** One SSE event (`event` is undefined when the server sent no `event:` field). */
export type SseEvent = EventSourceMessage;

/**
 * Why a stream ended: the server closed it (`"empty"` when it closed without sending a single
 * byte), or it sent nothing for `idleTimeoutMs`.
 */
export type SseEnd = "end" | "empty" | "idle";

/** Silence windows of {@link readSse}, in ms, and its size limit. */
export interface SseReadOptions {
  /** No byte for this long: return `"idle"`. `Infinity` disables it. */
  idleTimeoutMs: number;
  /** No event for this long: yield an empty batch. Default `Infinity` (never). */
  quietMs?: number;
  /** Characters one event (or an unfinished line) may hold; default {@link MAX_EVENT_CHARS}. */
  maxEventChars?: number;
}

/** Default size limit of one event: 1 MiB of characters. */
export const MAX_EVENT_CHARS = 1 << 20;


/**
 * Yields the events of `body` chunk by chunk (never an empty batch, except as a quiet tick).
 * Network errors propagate as thrown errors. Returning or throwing out of the loop (`break`)
 * cancels the body reader, which releases the connection.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  options: SseReadOptions,
): AsyncGenerator<SseEvent[], SseEnd, number | undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let batch: SseEvent[] = [];
  const maxChars = options.maxEventChars ?? MAX_EVENT_CHARS;
  let oversized = false;
  const parser = createParser({
    onEvent: (event) => {
      // The parser bounds what it buffers; an event that arrived whole within one chunk is
      // checked here, so that the limit does not depend on how the bytes were split.
      if (event.data.length > maxChars) oversized = true;
      else batch.push(event);
    },
    onError: (error) => {
      if (error.type === "max-buffer-size-exceeded") oversized = true;
    },
    maxBufferSize: maxChars,
  });
  const feedPiece = (text: string) => {
    parser.feed(text);
    if (oversized) throw new EventTooLargeError(maxChars);
  };
  // The parser joins the line it holds with the whole next chunk, copying every chunk once more.
  // Fed in three pieces instead, it joins only up to the first line break, and the whole lines in
  // the middle (most of the chunk) are read where they are.
  const feed = (text: string) => {
    const first = text.indexOf("\n");
    const last = first === -1 ? -1 : text.lastIndexOf("\n");
    if (first === last) return feedPiece(text);
    feedPiece(text.slice(0, first + 1));
    feedPiece(text.slice(first + 1, last + 1));
    if (last + 1 < text.length) feedPiece(text.slice(last + 1));
  };
  const idleMs = options.idleTimeoutMs;
  let quietMs = options.quietMs ?? Number.POSITIVE_INFINITY;
  let silentFor = 0;
  let quietFor = 0;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  let endsWithCr = false;
  let finished = false;
  let sawBytes = false;
  const timer = new Deadline();
  try {
    for (;;) {
      pending ??= reader.read();
      const waitMs = Math.min(idleMs - silentFor, quietMs - quietFor);
      const started = Date.now();
      const result = await timer.race(pending, waitMs);
      const elapsed = Date.now() - started;
      silentFor += elapsed;
      quietFor += elapsed;
      if (result === undefined) {
        if (silentFor >= idleMs) return "idle";
        if (quietFor < quietMs) continue; // a slice of a very long wait
        quietFor = 0;
        const next = yield [];
        if (next !== undefined) quietMs = next;
        continue;
      }
      pending = undefined;
      if (result.done) {
        finished = true;
        // An event is complete only at its blank line: one cut short by the end of the body is
        // dropped (SSE spec), never yielded half-read, nor counted by a follow as delivered. But
        // a final CR is a whole line end, which the parser holds back in case LF follows.
        const rest = decoder.decode();
        if (rest !== "") feed(rest);
        if (rest !== "" ? rest.endsWith("\r") : endsWithCr) feed("\n");
        if (batch.length > 0) yield batch;
        return sawBytes ? "end" : "empty";
      }
      silentFor = 0;
      if (result.value.length > 0) sawBytes = true;
      const text = decoder.decode(result.value, { stream: true });
      if (text !== "") {
        endsWithCr = text.charCodeAt(text.length - 1) === 13;
        feed(text);
      }
      if (batch.length > 0) {
        const out = batch;
        batch = [];
        quietFor = 0;
        const next = yield out;
        if (next !== undefined) quietMs = next;
      }
    }
  } finally {
    timer.clear();
    if (!finished) {
      // A read still in flight settles when the reader is cancelled; nobody awaits it anymore.
      pending?.catch(() => {});
      await reader.cancel().catch(() => {});
    }
    reader.releaseLock();
  }
}

/** One reusable timer raced against a promise; resolves `undefined` when the time is up. */
class Deadline {
  #handle: ReturnType<typeof setTimeout> | undefined;

  race<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      this.#handle = setTimeout(() => resolve(undefined), Math.max(0, Math.min(ms, MAX_TIMEOUT_MS)));
      promise.then(
        (value) => {
          this.clear();
          resolve(value);
        },
        (error: unknown) => {
          this.clear();
          reject(error);
        },
      );
    });
  }

  clear(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}
