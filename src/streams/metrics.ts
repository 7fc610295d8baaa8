/**
 * `client.metrics()`: a running job's resource usage, about one sample a second, in camelCase.
 *
 * The service's metrics stream never ends by itself and answers HTTP 500 once the job has
 * finished (reference §8): the iterator ends cleanly when the job is terminal, whether it learns
 * that from a 500, from a closed or dead connection, or from a check after a silent spell.
 * @module
 */
import type { JobsResource } from "../jobs/resource.js";
import { InternalServerError } from "../core/errors.js";
import { BatchStream } from "./batch-stream.js";
import {
  type ReconnectOptions,
  ErrorBudget,
  gaveUp,
  isPermanentError,
  openJobStream,
  positive,
  reconnectDelayMs,
  reconnectPolicy,
} from "./engine.js";
import { linkAbort } from "../core/abort.js";
import { sleep } from "../core/sleep.js";
import { type SseEvent, readSse } from "./sse.js";
import { isTerminal } from "../jobs/parse.js";
import { MetricEventWire } from "../wire/schemas.js";
import { parseJobRef } from "../jobs/spec.js";
import type { Job } from "../types.js";

/** Usage of one GPU. */
export interface GpuSample {
  /** The service's id of the GPU, e.g. `d901cd7f`. */
  id: string;
  /** Utilisation, percent. */
  utilization: number | undefined;
  /** GPU memory in use, bytes. */
  memoryUsedBytes: number | undefined;
  /** GPU memory available, bytes. */
  memoryTotalBytes: number | undefined;
}

/**
 * One metrics sample. A field the service left out is `undefined` (never a made-up 0).
 * Whether `rxBps`/`txBps` are bits or bytes per second is not documented by the service.
 */
export interface MetricSample {
  /** CPU usage, percent. */
  cpuUsagePct: number | undefined;
  /** CPU allocated to the job, in thousandths of a CPU (2000 = 2 CPUs). */
  cpuMillicores: number | undefined;
  /** Memory in use, bytes. */
  memoryUsedBytes: number | undefined;
  /** Memory available, bytes. */
  memoryTotalBytes: number | undefined;
  /** Network receive rate. */
  rxBps: number | undefined;
  /** Network transmit rate. */
  txBps: number | undefined;
  /** One entry per GPU, sorted by id; empty on CPU flavors. */
  gpus: GpuSample[];
  /** The replica that reported, e.g. `j6qz9`. */
  replica: string | undefined;
  /** When the SDK received the sample (the service sends no timestamp). */
  receivedAt: Date;
}

/** Options of {@link JobsClient.metrics}. */
export interface MetricsOptions {
  /** Stops the stream; the pending `next()` rejects with an `AbortError` and the connection closes. */
  signal?: AbortSignal;
  /** Namespace of the job, when the reference is a bare id; default the client's. */
  namespace?: string;
  /** No sample for this long: the job's stage is checked (the stream ends if it is terminal); default 10 000 ms. */
  statusCheckMs?: number;
  /** No byte at all (keep-alives included) for this long means a dead connection; default 120 000 ms. */
  deadConnectionMs?: number;
  /** Reconnection backoff and limit (defaults 1, 2, 4, 8, 10 s, give up after 5 failures). */
  reconnect?: ReconnectOptions;
}

/**
 * A job's metrics samples. Iterate with `for await`; it ends when the job is terminal.
 * `break` or `close()` closes the connection; `job` then holds the final job if it ended that way.
 */
export interface MetricStream extends AsyncIterable<MetricSample> {
  /** The job in its final state, once the stream has ended because the job is terminal. */
  readonly job: Job | undefined;
  /** Stops the stream and closes its connection. */
  close(): Promise<void>;
}

/** Streams the metrics of a job; see {@link JobsClient.metrics}. Invalid options throw at once. */
export function streamMetrics(client: JobsResource, ref: string, options: MetricsOptions = {}): MetricStream {
  parseJobRef(ref);
  const settings = {
    namespace: options.namespace,
    statusCheckMs: positive("statusCheckMs", options.statusCheckMs, 10_000),
    deadConnectionMs: positive("deadConnectionMs", options.deadConnectionMs, 120_000),
    reconnect: reconnectPolicy(options.reconnect),
  };
  return new BatchStream<MetricSample>(async function* (stream, stop) {
    const core = client.context;
    const job = await core.ref(ref, settings.namespace, stop);
    const path = core.jobPath(job, "/metrics");
    // Terminal → the final job; transient failure → undefined (the caller carries on).
    const checks = new ErrorBudget();
    const finished = async (): Promise<Job | undefined> => {
      try {
        const current = await client.inspect(`${job.namespace}/${job.id}`, { signal: stop });
        checks.ok();
        return isTerminal(current) ? current : undefined;
      } catch (error) {
        if (checks.fatal(error)) throw error;
        return undefined;
      }
    };
    const policy = settings.reconnect;
    let failures = 0;
    let attempt = 0;
    for (let first = true; ; first = false) {
      if (!first) await sleep(reconnectDelayMs(attempt++, policy), stop);
      const connection = new AbortController();
      const unlink = linkAbort(stop, connection);
      let failure: unknown;
      try {
        let response: Response;
        try {
          // 500 is how the service says the job is over: checked below, not retried here.
          response = await openJobStream(core, path, connection.signal, { noRetryStatuses: [500] });
        } catch (error) {
          if (isPermanentError(error) || stop.aborted) throw error;
          // 500 is how the service says the job is over; check before calling it a failure.
          const done = error instanceof InternalServerError && error.status === 500 ? await finished() : undefined;
          if (done) {
            stream.job = done;
            return;
          }
          if (++failures > policy.maxReconnects) throw gaveUp(`GET ${path}`, failures, error);
          continue;
        }
        if (!response.body) continue;
        const events = readSse(response.body, {
          idleTimeoutMs: settings.deadConnectionMs,
          quietMs: settings.statusCheckMs,
        });
        try {
          for (;;) {
            const next = await events.next();
            if (next.done) {
              if (next.value === "idle") failure = new Error(`no data for ${settings.deadConnectionMs} ms`);
              break;
            }
            if (next.value.length === 0) {
              const done = await finished();
              if (done) {
                stream.job = done;
                return;
              }
              continue;
            }
            const samples = toSamples(next.value);
            if (samples.length > 0) {
              failures = 0;
              attempt = 0;
              yield samples;
            }
          }
        } catch (error) {
          if (stop.aborted || isPermanentError(error)) throw error;
          failure = error;
        } finally {
          await events.return("end");
        }
      } finally {
        unlink();
        connection.abort();
      }
      // Closed, dropped or dead: over if the job is; otherwise reconnect.
      const done = await finished();
      if (done) {
        stream.job = done;
        return;
      }
      if (failure !== undefined && ++failures > policy.maxReconnects) throw gaveUp(`GET ${path}`, failures, failure);
    }
  }, options.signal);
}

/** The samples of a batch of events: `metric` events (or unnamed ones) whose data parses. */
function toSamples(events: SseEvent[]): MetricSample[] {
  const out: MetricSample[] = [];
  for (const event of events) {
    if (event.event !== undefined && event.event !== "metric") continue;
    const sample = toMetricSample(event.data);
    if (sample) out.push(sample);
  }
  return out;
}

/** Converts one event's JSON (snake_case) to a sample; `undefined` when it is not a metrics event. @internal */
export function toMetricSample(data: string, receivedAt: Date = new Date()): MetricSample | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = MetricEventWire.safeParse(json);
  if (!parsed.success) return undefined;
  const wire = parsed.data;
  const gpus = Object.entries(wire.gpus ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, gpu]) => ({
      id,
      utilization: gpu.utilization ?? undefined,
      memoryUsedBytes: gpu.memory_used_bytes ?? undefined,
      memoryTotalBytes: gpu.memory_total_bytes ?? undefined,
    }));
  return {
    cpuUsagePct: wire.cpu_usage_pct ?? undefined,
    cpuMillicores: wire.cpu_millicores ?? undefined,
    memoryUsedBytes: wire.memory_used_bytes ?? undefined,
    memoryTotalBytes: wire.memory_total_bytes ?? undefined,
    rxBps: wire.rx_bps ?? undefined,
    txBps: wire.tx_bps ?? undefined,
    gpus,
    replica: wire.replica ?? undefined,
    receivedAt,
  };
}
