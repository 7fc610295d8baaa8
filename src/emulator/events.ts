/**
 * `GET .../events`: the job's stage changes as SSE. The service does not document this stream's
 * format; the emulator sends `data: {"type":"stage","stage":...,"message":...,"timestamp":...}`.
 * @module
 */
import type { RequestContext } from "./http.js";
import type { Job, StageEvent } from "./job.js";
import { SseStream } from "./sse.js";

function format(event: StageEvent): string {
  return `data: ${JSON.stringify({ type: "stage", stage: event.stage, message: event.message, timestamp: event.at.toISOString() })}\n\n`;
}

/** Replays every stage change since creation, then follows; ends after the terminal stage unless `keepOpen`. */
export async function serveEvents(ctx: RequestContext, job: Job, options: { keepAliveMs: number; keepOpen: boolean }): Promise<void> {
  const sse = SseStream.open(ctx, options);
  if (!sse) return;
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
  const unsubscribers = [job.onStage(poke), sse.onClose(poke)];
  try {
    let sent = 0;
    for (;;) {
      if (sse.closed) return;
      if (sent < job.history.length) {
        const batch = job.history.slice(sent).map(format).join("");
        sent = job.history.length;
        if (!(await sse.write(batch))) return;
        continue;
      }
      if (!options.keepOpen && job.terminal) {
        sse.end();
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    for (const unsubscribe of unsubscribers) unsubscribe();
  }
}
