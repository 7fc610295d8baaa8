/**
 * Signal plumbing shared by the transport and the streams.
 * @internal
 * @module
 */

/**
 * Aborts `controller` when `parent` aborts. Returns the function that removes the listener:
 * a long-lived caller signal must not collect one listener per connection.
 */
export function linkAbort(parent: AbortSignal | undefined, controller: AbortController): () => void {
  if (!parent) return () => {};
  if (parent.aborted) {
    controller.abort(parent.reason);
    return () => {};
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return () => parent.removeEventListener("abort", onAbort);
}
