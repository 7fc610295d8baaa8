/**
 * `client.metrics()`: a running job's resource usage, about one sample a second, in camelCase.
 *
 * The service's metrics stream never ends by itself and answers HTTP 500 once the job has
 * finished: the iterator ends cleanly when the job is terminal, whether it learns that from a 500,
 * from a closed or dead connection, or from a check after a silent spell. The connections and
 * reconnections are the engine's (`engine.ts`); samples are not replayed, so nothing is skipped.
 * @module
 */
import { InternalServerError } from "../core/errors.js";
import type { JobsResource } from "../jobs/resource.js";
import { parseJobRef } from "../core/names.js";
import { MetricEventWire } from "../wire/schemas.js";
import { positive } from "../core/options.js";
import {
  DEFAULT_DEAD_CONNECTION_MS,
  type JobStream,
  type JobStreamOptions,
  jobStream,
  openJobStream,
  reconnectPolicy,
} from "./engine.js";
import { MAX_EVENT_CHARS, type SseEvent } from "./sse.js";

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
export interface MetricsOptions extends JobStreamOptions {
  /** No sample for this long: the job's stage is checked (the stream ends if it is terminal); default 10 000 ms. */
  statusCheckMs?: number;
}

/** A job's metrics samples; the stream ends when the job is terminal, and `job` is then set. */
export interface MetricStream extends JobStream<MetricSample> {}

/** Streams the metrics of a job; see {@link JobsClient.metrics}. Invalid options throw at once. */
export function streamMetrics(client: JobsResource, ref: string, options: MetricsOptions = {}): MetricStream {
  parseJobRef(ref);
  const statusCheckMs = positive("statusCheckMs", options.statusCheckMs, 10_000);
  const deadConnectionMs = positive("deadConnectionMs", options.deadConnectionMs, DEFAULT_DEAD_CONNECTION_MS);
  const settings = {
    follow: true,
    idleTimeoutMs: deadConnectionMs,
    statusCheckMs,
    maxStatusCheckMs: statusCheckMs,
    drainMs: undefined, // samples after the job's end are of no use: it ends at once
    deadConnectionMs,
    maxEventChars: MAX_EVENT_CHARS,
    reconnect: reconnectPolicy(options.reconnect),
  };
  return jobStream<MetricSample>(client, ref, "/metrics", options, settings, (core, path) => ({
    // 500 is how the service says the job is over: checked by the engine, not retried here.
    open: (signal) => openJobStream(core, path, signal, { noRetryStatuses: [500] }),
    take: toSamples,
    mayMeanOver: (error) => error instanceof InternalServerError && error.status === 500,
  }));
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
