/**
 * The common `collect` of a sweep: the job prints its result as one JSON line (usually its last),
 * and the sweep reads it back from the job's logs.
 * @module
 */
import { HfJobsError } from "../core/errors.js";
import type { Job } from "../types.js";

/** Anything with a `logs(ref, options)` snapshot, such as a `JobsClient`. */
export interface LogSource {
  /** Yields the job's log lines. */
  logs(ref: string, options?: { follow?: boolean; signal?: AbortSignal; idleTimeoutMs?: number }): AsyncIterable<{ text: string }>;
}

/** Options of {@link lastJsonLine}. */
export interface LastJsonLineOptions<T> {
  /**
   * Checks or converts the parsed value (e.g. a zod schema's `parse`); what it returns lands in
   * the result. A throw fails the item.
   */
  parse?: (value: unknown) => T;
  /** Fail the item when no line is JSON. Default `true`; `false` gives `undefined` instead. */
  required?: boolean;
  /**
   * Silence that ends the log snapshot, in ms. The service sends a finished job's history at once
   * and then idles instead of closing, so every collect waits this long. Default 2000.
   */
  idleTimeoutMs?: number;
}

/**
 * The last line that is a JSON object or array (after trimming), parsed; `undefined` when none
 * is. Lines that merely look like JSON but do not parse are passed over.
 */
export function parseLastJsonLine(lines: Iterable<string>): unknown {
  let last: unknown;
  for (const line of lines) {
    const value = jsonLine(line);
    if (value !== undefined) last = value;
  }
  return last;
}

function jsonLine(line: string): unknown {
  const text = line.trim();
  if (!(text.startsWith("{") && text.endsWith("}")) && !(text.startsWith("[") && text.endsWith("]"))) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** No JSON line was found in a job's logs (an {@link HfJobsError}, like every error of the SDK). */
export class NoJsonLineError extends HfJobsError {
  override name = "NoJsonLineError";
  /** The job whose logs were read. */
  readonly job: Job;
  constructor(job: Job) {
    super(`Job ${job.id} printed no JSON line (print one, e.g. print(json.dumps(metrics)), as its last line)`);
    this.job = job;
  }
}

/**
 * A `collect` function for {@link fanOut}: reads the finished job's logs (a snapshot, not a
 * follow) and returns its last JSON line, parsed.
 *
 * ```ts
 * const sweep = await fanOut(client, { params, job, collect: lastJsonLine(client) });
 * sweep.results[0].value; // e.g. { loss: 0.31, accuracy: 0.92 }
 * ```
 */
export function lastJsonLine<T = unknown>(
  client: LogSource,
  options: LastJsonLineOptions<T> = {},
): (job: Job, context?: { signal?: AbortSignal }) => Promise<T | undefined> {
  return async (job, context) => {
    let last: unknown;
    for await (const line of client.logs(`${job.namespace}/${job.id}`, {
      follow: false,
      signal: context?.signal,
      idleTimeoutMs: options.idleTimeoutMs ?? 2000,
    })) {
      const value = jsonLine(line.text);
      if (value !== undefined) last = value;
    }
    if (last === undefined) {
      if (options.required ?? true) throw new NoJsonLineError(job);
      return undefined;
    }
    return options.parse ? options.parse(last) : (last as T);
  };
}
