/**
 * The async iterator behind `logs()` and `metrics()`. A producer (an async generator owning the
 * connections) yields items in batches, one batch per network chunk; the iterator hands out the
 * items of the current batch without another async hop, which keeps a million-line log cheap.
 * `break`, `close()` and the caller's signal all stop the producer and close its connection.
 * @internal
 * @module
 */
import { abortError } from "../core/errors.js";
import type { Job } from "../types.js";
import { linkAbort } from "../core/abort.js";

/** Produces the batches; `stop` aborts on `close()`, `break` or the caller's signal. */
export type Producer<T> = (stream: BatchStream<T>, stop: AbortSignal) => AsyncGenerator<T[], void, undefined>;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
// The reason the stream's controller aborts when the caller's signal did not: `close()` or `break`.
const CLOSED = Symbol("closed");

/** A single-use async iterator over the items of a producer's batches. */
export class BatchStream<T> implements AsyncIterableIterator<T, undefined> {
  /** Set by the producer when a follow ends because the job is terminal. */
  job: Job | undefined;
  readonly #produce: Producer<T>;
  readonly #signal: AbortSignal | undefined;
  readonly #stop = new AbortController();
  #unlink: (() => void) | undefined;
  #source: AsyncGenerator<T[], void, undefined> | undefined;
  #batch: readonly T[] = [];
  #index = 0;
  /** Settles after the last call that is still waiting for its item. */
  #queue: Promise<void> | undefined;
  #ended = false;

  constructor(produce: Producer<T>, signal: AbortSignal | undefined) {
    this.#produce = produce;
    this.#signal = signal;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#queue === undefined) {
      // The common case: nobody is waiting, and the current batch has an item left.
      const index = this.#index;
      if (index < this.#batch.length) {
        this.#index = index + 1;
        return Promise.resolve({ done: false, value: this.#batch[index] as T });
      }
      return this.#enqueue(this.#serve());
    }
    // Calls that overlap a refill are served one after the other, in call order: each gets the
    // next item, none is handed out twice or skipped.
    const serve = () => this.#serve();
    return this.#enqueue(this.#queue.then(serve, serve));
  }

  /** Makes `result` the call the next overlapping call waits for. */
  #enqueue(result: Promise<IteratorResult<T, undefined>>): Promise<IteratorResult<T, undefined>> {
    const settled: Promise<void> = result.then(
      () => this.#dequeue(settled),
      () => this.#dequeue(settled),
    );
    this.#queue = settled;
    return result;
  }

  #dequeue(settled: Promise<void>): void {
    if (this.#queue === settled) this.#queue = undefined;
  }

  /** One item: from the current batch, else from the next batch, else done. */
  #serve(): Promise<IteratorResult<T, undefined>> {
    const index = this.#index;
    if (index < this.#batch.length) {
      this.#index = index + 1;
      return Promise.resolve({ done: false, value: this.#batch[index] as T });
    }
    if (this.#ended) return Promise.resolve(DONE);
    return this.#refill();
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    await this.close();
    return DONE;
  }

  /** Stops the producer and closes its connection; a pending `next()` resolves as done. */
  async close(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      this.#stop.abort(CLOSED);
    }
    this.#release();
    await this.#source?.return(undefined).catch(() => {});
  }

  async #refill(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.#ended) return DONE;
      if (!this.#source) {
        this.#unlink = linkAbort(this.#signal, this.#stop);
        this.#source = this.#produce(this, this.#stop.signal);
      }
      let result: IteratorResult<T[], void>;
      try {
        result = await this.#source.next();
      } catch (error) {
        this.#ended = true;
        this.#release();
        if (this.#signal?.aborted) throw abortError(this.#signal);
        if (this.#stop.signal.reason === CLOSED) return DONE;
        throw error;
      }
      if (result.done) {
        this.#ended = true;
        this.#release();
        return DONE;
      }
      if (result.value.length === 0) continue;
      this.#batch = result.value;
      this.#index = 1;
      return { done: false, value: result.value[0] as T };
    }
  }

  #release(): void {
    this.#batch = [];
    this.#index = 0;
    this.#unlink?.();
    this.#unlink = undefined;
  }
}
