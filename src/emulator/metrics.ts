/**
 * `GET .../metrics`: one `event: metric` per interval with real samples of the job's process
 * group, ending once the job has ended.
 * @module
 */
import { MESSAGES, sendError } from "./errors.js";
import type { GpuProbe } from "./gpu.js";
import { findFlavor, memoryBytes } from "./hardware.js";
import type { RequestContext } from "./http.js";
import type { Job } from "./job.js";
import { GroupSampler } from "./proc.js";
import { SseStream } from "./sse.js";

type Listener = (event: string) => void;

interface Feed {
  listeners: Set<Listener>;
  timer: NodeJS.Timeout;
  sampler: GroupSampler | undefined;
  sampledGroup: number | undefined;
  busy: boolean;
}

/** Samples each job with at least one metrics subscriber, once per interval, and fans the events out. */
export class MetricsHub {
  readonly #feeds = new Map<Job, Feed>();
  readonly #intervalMs: number;
  readonly #gpus: GpuProbe;

  constructor(intervalMs: number, gpus: GpuProbe) {
    this.#intervalMs = intervalMs;
    this.#gpus = gpus;
  }

  /** Subscribes to a job's metric events (SSE-framed strings). Returns the unsubscriber. */
  subscribe(job: Job, listener: Listener): () => void {
    let feed = this.#feeds.get(job);
    if (!feed) {
      const created: Feed = {
        listeners: new Set(),
        timer: setInterval(() => void this.#tick(job, created), this.#intervalMs),
        sampler: undefined,
        sampledGroup: undefined,
        busy: false,
      };
      feed = created;
      this.#feeds.set(job, feed);
      // A first /proc reading now, so that the first event reports the CPU used since, not 0.
      void this.#prime(job, created);
    }
    feed.listeners.add(listener);
    const current = feed;
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0) this.#stop(job, current);
    };
  }

  /** Stops every sampling timer. */
  close(): void {
    for (const [job, feed] of this.#feeds) this.#stop(job, feed);
  }

  #stop(job: Job, feed: Feed): void {
    clearInterval(feed.timer);
    if (this.#feeds.get(job) === feed) this.#feeds.delete(job);
  }

  /** Points the feed at the job's current process group; true when that took a first reading. */
  async #prime(job: Job, feed: Feed): Promise<boolean> {
    const group = job.process?.sampleGroup;
    if (group === feed.sampledGroup) return false;
    feed.sampledGroup = group;
    feed.sampler = group === undefined ? undefined : new GroupSampler(group);
    if (!feed.sampler || feed.busy) return false;
    feed.busy = true;
    try {
      await feed.sampler.sample();
    } finally {
      feed.busy = false;
    }
    return true;
  }

  async #tick(job: Job, feed: Feed): Promise<void> {
    if (job.terminal) {
      clearInterval(feed.timer);
      return;
    }
    if (job.stage !== "RUNNING" || feed.busy) return;
    // A process group seen for the first time gets its baseline reading now and its first event
    // at the next tick.
    if (await this.#prime(job, feed)) return;
    if (feed.busy) return;
    feed.busy = true;
    try {
      const sample = feed.sampler ? await feed.sampler.sample() : { cpuPercent: 0, rssBytes: 0 };
      const gpus = await this.#gpus.read();
      if (job.terminal) return;
      const flavor = findFlavor(job.spec.flavor);
      const payload = {
        cpu_usage_pct: sample.cpuPercent,
        cpu_millicores: (flavor?.cpu ?? 0) * 1000,
        memory_used_bytes: sample.rssBytes,
        memory_total_bytes: flavor ? memoryBytes(flavor) : 0,
        rx_bps: 0,
        tx_bps: 0,
        gpus,
        replica: job.replica,
      };
      const event = `event: metric\ndata: ${JSON.stringify(payload)}\n\n`;
      for (const listener of feed.listeners) listener(event);
    } finally {
      feed.busy = false;
    }
  }
}

/** Options of the metrics route. */
export interface MetricStreamOptions {
  keepAliveMs: number;
  /** Stay open with keep-alives after the job ended instead of ending the response. */
  keepOpen: boolean;
}

/** Serves `GET .../metrics`: 500 once the job is terminal, else SSE until the job ends. */
export function serveMetrics(ctx: RequestContext, job: Job, hub: MetricsHub, options: MetricStreamOptions): void {
  if (job.terminal) {
    sendError(ctx.res, 500, MESSAGES.metricsFinished);
    return;
  }
  const sse = SseStream.open(ctx, options);
  if (!sse) return;
  let writing: Promise<unknown> | undefined;
  const unsubscribe = hub.subscribe(job, (event) => {
    // A slow reader misses samples instead of making the emulator buffer them.
    if (writing) return;
    writing = sse.write(event).finally(() => {
      writing = undefined;
    });
  });
  const unwatch = job.onStage(() => {
    if (!job.terminal || options.keepOpen) return;
    unwatch();
    void (writing ?? Promise.resolve()).then(() => sse.end());
  });
  sse.onClose(() => {
    unsubscribe();
    unwatch();
  });
}
