// Last-resort cleanup if the host process exits without close(): job process groups are detached,
// so they would otherwise outlive it. Only synchronous work is possible in an 'exit' listener.
const cleanups = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: keep going with the others.
    }
  }
}

/** Registers a synchronous cleanup run at process exit; returns its remover. */
export function onProcessExit(cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on("exit", runAll);
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}
