/**
 * `GET .../logs`: replays a job's event file from disk (or its tail), then follows it until the job
 * has ended and its last line is sent.
 * @module
 */
import { type FileHandle, open } from "node:fs/promises";
import { HttpError } from "./errors.js";
import type { RequestContext } from "./http.js";
import type { Job } from "./job.js";
import { tailOffset } from "./log-file.js";
import { SseStream } from "./sse.js";

const CHUNK = 256 * 1024;

/** Options of the logs route. */
export interface LogStreamOptions {
  keepAliveMs: number;
  /** Stay open with keep-alives after the end instead of ending the response. */
  keepOpen: boolean;
}

/** Parses `?tail=N` (a non-negative integer); absent means the whole log. */
export function parseTail(url: URL): number | undefined {
  const raw = url.searchParams.get("tail");
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `Invalid tail parameter "${raw}": expected a non-negative integer`);
  return Number(raw);
}

/** Copies `[from, to)` of the file to the stream in chunks, honouring backpressure. */
async function copy(fh: FileHandle, sse: SseStream, from: number, to: number): Promise<boolean> {
  let pos = from;
  while (pos < to) {
    const len = Math.min(CHUNK, to - pos);
    // A fresh buffer per chunk: the socket may still hold the previous one.
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    if (bytesRead === 0) return false;
    pos += bytesRead;
    if (!(await sse.write(buf.subarray(0, bytesRead)))) return false;
  }
  return true;
}

/**
 * Serves the log stream: the `===== Job started` event first, then every line (or the last `tail`
 * ones) straight from disk, then new lines as they are flushed. Memory use does not depend on the
 * log size. The response ends once the job is terminal and every line was sent (unless `keepOpen`).
 */
export async function serveLogs(ctx: RequestContext, job: Job, tail: number | undefined, options: LogStreamOptions): Promise<void> {
  const sse = SseStream.open(ctx, options);
  if (!sse) return;
  const { log } = job;
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
  const unsubscribers = [log.onChange(poke), job.onStage(poke), sse.onClose(poke)];
  let fh: FileHandle | undefined;
  try {
    let pos = 0;
    if (tail !== undefined && log.flushedBytes > 0) {
      fh = await open(log.path, "r");
      const end = log.flushedBytes;
      const start = await tailOffset(fh, end, tail);
      if (start > log.startedEventBytes) {
        if (!(await copy(fh, sse, 0, log.startedEventBytes))) return;
        pos = start;
      }
    }
    for (;;) {
      if (sse.closed) return;
      const end = log.flushedBytes;
      if (pos < end) {
        fh ??= await open(log.path, "r");
        if (!(await copy(fh, sse, pos, end))) return;
        pos = end;
        continue;
      }
      if (!options.keepOpen && log.state === "complete" && job.terminal) {
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
    await fh?.close();
  }
}
