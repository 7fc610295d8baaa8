/**
 * A one-line status on stderr for long waits and sweeps, redrawn in place. Only on a terminal:
 * on a pipe or a file it prints nothing at all, so logs and CI output stay clean.
 * @module
 */
import type { TextSink } from "./output.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A redrawn status line; a no-op when the sink is not a terminal. */
export class Progress {
  readonly enabled: boolean;
  readonly #sink: TextSink;
  #text = "";
  #frame = 0;
  #timer: NodeJS.Timeout | undefined;
  #started = Date.now();

  constructor(sink: TextSink, enabled = sink.isTTY === true) {
    this.#sink = sink;
    this.enabled = enabled;
  }

  /** Shows `text` (with a spinner and the elapsed time), redrawn every 100 ms until {@link stop}. */
  update(text: string): void {
    if (!this.enabled) return;
    this.#text = text;
    if (!this.#timer) {
      this.#started = Date.now();
      // The spinner must not keep the process alive on its own.
      this.#timer = setInterval(() => this.#draw(), 100).unref();
    }
    this.#draw();
  }

  /** Prints a line above the status (e.g. a finished item), keeping the status below it. */
  log(line: string): void {
    if (!this.enabled) return;
    this.#sink.write(`\r\x1b[K${line}\n`);
    if (this.#timer) this.#draw();
  }

  /** Clears the status line (idempotent). */
  stop(): void {
    if (!this.enabled || !this.#timer) return;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sink.write("\r\x1b[K");
  }

  #draw(): void {
    const secs = Math.floor((Date.now() - this.#started) / 1000);
    const frame = FRAMES[this.#frame++ % FRAMES.length] ?? "";
    const width = Math.max(20, (this.#sink.columns ?? 80) - 1);
    const line = `${frame} ${this.#text} (${secs}s)`;
    this.#sink.write(`\r\x1b[K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
  }
}
