/**
 * One server-sent-events response: headers, backpressure, keep-alive comments, event-count cut-off.
 * @module
 */
import type { RequestContext } from "./http.js";

const NEWLINE = 10;

/** Options of an SSE response. */
export interface SseOptions {
  keepAliveMs: number;
}

/**
 * An open SSE response. Callers write whole events (or raw file bytes made of whole events);
 * keep-alive comments are only written between events, never in the middle of one.
 */
export class SseStream {
  #closed = false;
  readonly #timer: NodeJS.Timeout;
  readonly #closeListeners = new Set<() => void>();
  /** Data events left before the `closeStreamAfterEvents` fault cuts the connection. */
  #remaining: number | undefined;
  /** Whether the previous byte written was a newline that has not closed an event yet. */
  #pendingNewline = false;
  /** True when everything written so far ends on an event boundary. */
  #atBoundary = true;
  #lastByte = 0;
  readonly #ctx: RequestContext;

  private constructor(ctx: RequestContext, options: SseOptions) {
    this.#ctx = ctx;
    const { res } = ctx;
    this.#remaining = ctx.faults.closeStreamAfterEvents;
    res.writeHead(200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.flushHeaders();
    res.on("close", () => this.#markClosed());
    this.#timer = setInterval(() => this.#keepAlive(), options.keepAliveMs);
    this.#timer.unref();
    if (this.#remaining === 0) this.#cut();
  }

  /** Opens the stream, or returns `undefined` when a `dropAfterHandling` fault destroys the socket instead. */
  static open(ctx: RequestContext, options: SseOptions): SseStream | undefined {
    if (ctx.faults.drop) {
      ctx.res.destroy();
      return undefined;
    }
    return new SseStream(ctx, options);
  }

  /** True once the client went away, the stream was ended, or a fault cut it. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Calls `listener` once when the stream closes (immediately if it already has). Returns a remover. */
  onClose(listener: () => void): () => void {
    if (this.#closed) {
      listener();
      return () => {};
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /**
   * Writes bytes that consist of whole events (possibly split across calls) and waits for the
   * socket to drain when needed. Returns false once the stream is closed.
   */
  async write(chunk: Buffer | string): Promise<boolean> {
    if (this.#closed) return false;
    let data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    let cutAfter = false;
    if (this.#remaining !== undefined) {
      const end = this.#findCut(data);
      if (end !== undefined) {
        data = data.subarray(0, end);
        cutAfter = true;
      }
    }
    if (data.length > 0) {
      const last = data[data.length - 1];
      const beforeLast = data.length > 1 ? data[data.length - 2] : this.#lastByte;
      this.#atBoundary = last === NEWLINE && beforeLast === NEWLINE;
      this.#lastByte = last ?? 0;
    }
    if (cutAfter) {
      // Send what precedes the cut, then drop the connection without ending the chunked body.
      this.#ctx.res.write(data, () => this.#ctx.res.destroy());
      this.#markClosed();
      return false;
    }
    if (!this.#ctx.res.write(data)) await this.#drained();
    return !this.#closed;
  }

  /** Ends the response normally. */
  end(): void {
    if (this.#closed) return;
    this.#ctx.res.end();
    this.#markClosed();
  }

  /** Position just after the event that exhausts the budget, or undefined if the budget outlasts `data`. */
  #findCut(data: Buffer): number | undefined {
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== NEWLINE) {
        this.#pendingNewline = false;
        continue;
      }
      if (!this.#pendingNewline) {
        this.#pendingNewline = true;
        continue;
      }
      this.#pendingNewline = false;
      this.#remaining = (this.#remaining ?? 0) - 1;
      if (this.#remaining <= 0) return i + 1;
    }
    return undefined;
  }

  #keepAlive(): void {
    if (this.#closed || !this.#atBoundary || this.#ctx.res.writableNeedDrain) return;
    this.#ctx.res.write(": keep-alive\n\n");
    this.#lastByte = NEWLINE;
  }

  #cut(): void {
    this.#ctx.res.destroy();
    this.#markClosed();
  }

  #drained(): Promise<void> {
    const { res } = this.#ctx;
    return new Promise((resolve) => {
      const done = () => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  }

  #markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const listener of [...this.#closeListeners]) listener();
    this.#closeListeners.clear();
  }
}
