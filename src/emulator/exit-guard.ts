/**
 * Last-resort cleanup when the host process ends without `close()`: job process groups are
 * detached, so they would otherwise outlive it. Covers a normal exit (`process.exit`, an empty
 * event loop) and the termination signals SIGINT, SIGTERM and SIGHUP (Ctrl-C, `kill`, a closed
 * terminal), without changing how the host process ends.
 * @module
 */

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const cleanups = new Set<() => void>();

function runAll(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // Best effort: keep going with the others.
    }
  }
  cleanups.clear();
}

/**
 * A signal the host does not handle itself would end it (the default action), and `exit` listeners
 * do not run then: clean up, stop listening, and raise the signal again so that the process ends
 * exactly as it would have without an emulator (same signal, as its parent sees it). When the host
 * has its own listener, it decides: it may keep running, call `close()`, or exit (the `exit`
 * listener then cleans up).
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  runAll();
  uninstall();
  process.kill(process.pid, signal);
}

const listeners = new Map<NodeJS.Signals, () => void>(SIGNALS.map((signal) => [signal, () => onSignal(signal)]));
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", runAll);
  // First in line, so that every listener of the host, `once` ones included, is still registered
  // when this one counts them.
  for (const [signal, listener] of listeners) process.prependListener(signal, listener);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off("exit", runAll);
  for (const [signal, listener] of listeners) process.off(signal, listener);
}

/**
 * Registers a synchronous cleanup run when the process exits or is ended by SIGINT, SIGTERM or
 * SIGHUP. Returns its remover; once no cleanup is left, no listener stays installed, so a host
 * without a live emulator handles signals exactly as before.
 */
export function onProcessExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  install();
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) uninstall();
  };
}
