// GET .../metrics: one `event: metric` per interval with real samples of the job's process group.
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
  private readonly feeds = new Map<Job, Feed>();

  constructor(
    private readonly intervalMs: number,
    private readonly gpus: GpuProbe,
  ) {}

  /** Subscribes to a job's metric events (SSE-framed strings). Returns the unsubscriber. */
  subscribe(job: Job, listener: Listener): () => void {
    let feed = this.feeds.get(job);
    if (!feed) {
      const created: Feed = {
        listeners: new Set(),
        timer: setInterval(() => void this.tick(job, created), this.intervalMs),
        sampler: undefined,
        sampledGroup: undefined,
        busy: false,
      };
      feed = created;
      this.feeds.set(job, feed);
    }
    feed.listeners.add(listener);
    const current = feed;
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0) this.stop(job, current);
    };
  }

  /** Stops every sampling timer. */
  close(): void {
    for (const [job, feed] of this.feeds) this.stop(job, feed);
  }

  private stop(job: Job, feed: Feed): void {
    clearInterval(feed.timer);
    if (this.feeds.get(job) === feed) this.feeds.delete(job);
  }

  private async tick(job: Job, feed: Feed): Promise<void> {
    if (job.terminal) {
      // The stream stays open (keep-alives only), like the service's; no more samples.
      clearInterval(feed.timer);
      return;
    }
    if (job.stage !== "RUNNING" || feed.busy) return;
    feed.busy = true;
    try {
      const group = job.process?.sampleGroup;
      if (group !== feed.sampledGroup) {
        feed.sampledGroup = group;
        feed.sampler = group === undefined ? undefined : new GroupSampler(group);
      }
      const sample = feed.sampler ? await feed.sampler.sample() : { cpuPercent: 0, rssBytes: 0 };
      const gpus = await this.gpus.read();
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

/** Serves `GET .../metrics`: 500 once the job is terminal, else an endless SSE stream. */
export function serveMetrics(ctx: RequestContext, job: Job, hub: MetricsHub, keepAliveMs: number): void {
  if (job.terminal) {
    sendError(ctx.res, 500, MESSAGES.metricsFinished);
    return;
  }
  const sse = SseStream.open(ctx, { keepAliveMs });
  if (!sse) return;
  let writing = false;
  const unsubscribe = hub.subscribe(job, (event) => {
    // A slow reader misses samples instead of making the emulator buffer them.
    if (writing) return;
    writing = true;
    void sse.write(event).finally(() => {
      writing = false;
    });
  });
  sse.onClose(unsubscribe);
}
