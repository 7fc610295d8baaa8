/**
 * Bounded body reading: a response body is read chunk by chunk, counting bytes, so that a huge or
 * endless answer costs at most the cap in memory, and the read ends the moment the attempt's
 * signal aborts (its deadline or the caller's signal), even with a `fetch` that ignores signals
 * once the headers have arrived.
 * @internal
 * @module
 */

/** Default cap of a JSON answer (`maxResponseBytes`): 32 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** Cap of an error body: only its first few hundred characters are ever shown. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Whether the response announces (`content-length`) a body longer than `cap`. */
export function announcesMore(response: Response, cap: number): boolean {
  return Number(response.headers.get("content-length")) > cap;
}

/** A body read up to a cap. */
export interface CappedBody {
  /** The text of the bytes read (at most the cap). */
  text: string;
  /** False when the body was longer than the cap and the rest was discarded unread. */
  complete: boolean;
}

/**
 * Reads at most `cap` bytes of `response`'s body as UTF-8. Past the cap the body is cancelled
 * and `complete` is false. Rejects with `signal.reason` once `signal` aborts.
 */
export async function readCapped(response: Response, signal: AbortSignal, cap: number): Promise<CappedBody> {
  const body = response.body;
  if (!body) return { text: "", complete: true };
  const reader = body.getReader();
  const onAbort = () => void reader.cancel(signal.reason).catch(() => {});
  if (signal.aborted) {
    onAbort();
    throw signal.reason;
  }
  signal.addEventListener("abort", onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = true;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      // A cancelled read may end as `done` rather than rejecting: the abort decides.
      if (signal.aborted) throw signal.reason;
      if (done) break;
      if (size + value.byteLength > cap) {
        chunks.push(value.subarray(0, cap - size));
        size = cap;
        complete = false;
        void reader.cancel().catch(() => {});
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  return { text: decode(chunks, size), complete };
}

function decode(chunks: Uint8Array[], size: number): string {
  if (chunks.length === 1 && chunks[0]) return new TextDecoder().decode(chunks[0]);
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}
