// The one engine behind logs() and metrics(): both streams count failed connections the same way,
// and both serve overlapping next() calls one item each, in order.
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError } from "../src/index.js";
import type { JobsClient, LogsOptions, MetricsOptions, ReconnectOptions } from "../src/index.js";
import {
  type Hit,
  JOB_STARTED,
  type TestServer,
  jobJson,
  lines,
  sendJson,
  startServer,
  startSse,
} from "./fixtures/sse/server.js";

const ID = "6a033fe772518a06598ff618";
const JOB = `/api/jobs/ns/${ID}`;
const RECONNECT: ReconnectOptions = { maxReconnects: 2, baseDelayMs: 5, maxDelayMs: 10 };
const LOGS: LogsOptions = { follow: true, statusCheckMs: 50, drainMs: 50, deadConnectionMs: 150, reconnect: RECONNECT };
const METRICS: MetricsOptions = { statusCheckMs: 50, deadConnectionMs: 150, reconnect: RECONNECT };
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const metric = (cpu: number) => `event: metric\ndata: ${JSON.stringify({ cpu_usage_pct: cpu, gpus: {} })}\n\n`;

/** Both streams of one job, read to their end: the items, or the error they ended with. */
async function drain(client: JobsClient, kind: "logs" | "metrics"): Promise<{ items: number; error?: unknown }> {
  const stream = kind === "logs" ? client.logs(ID, LOGS) : client.metrics(ID, METRICS);
  let items = 0;
  try {
    for await (const _ of stream) items++;
    return { items };
  } catch (error) {
    return { items, error };
  }
}

/** A stream connection that fails in one of the ways a server can. */
type Failing = (hit: Hit, kind: "logs" | "metrics") => void;

const FAILURES: Array<[string, Failing, string]> = [
  ["a 2xx answer without a body", (hit) => {
    hit.res.writeHead(204);
    hit.res.end();
  }, "RUNNING"],
  ["a 200 stream closed before a single byte", (hit) => {
    startSse(hit.res);
    hit.res.end();
  }, "RUNNING"],
  ["HTTP 500", (hit) => sendJson(hit.res, JSON.stringify({ error: "boom" }), 500), "RUNNING"],
  ["a stream cut in the middle of an event", (hit, kind) => {
    startSse(hit.res);
    hit.res.write(kind === "logs" ? `${JOB_STARTED}data: {"data":"hal` : "event: metric\ndata: {\"cpu_");
    setTimeout(() => hit.res.socket?.destroy(), 5);
  }, "RUNNING"],
  ["a dead connection (no byte at all)", (hit) => startSse(hit.res), "RUNNING"],
  ["a clean close while the job's status cannot be read", (hit, kind) => {
    startSse(hit.res);
    hit.res.end(kind === "logs" ? JOB_STARTED : "");
  }, "unreadable"],
];

describe("logs() and metrics() count failed connections the same way", () => {
  it.each(FAILURES)("%s: both give up after maxReconnects + 1 connections", async (_name, failing, stage) => {
    server = await startServer((hit) => {
      if (hit.path === JOB) {
        if (stage === "unreadable") return sendJson(hit.res, JSON.stringify({ error: "unavailable" }), 503);
        return sendJson(hit.res, jobJson(ID, stage));
      }
      failing(hit, hit.path.endsWith("/logs") ? "logs" : "metrics");
    });
    const client = server.client({ maxRetries: 0 });
    for (const kind of ["logs", "metrics"] as const) {
      const { items, error } = await drain(client, kind);
      expect(items).toBe(0);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/gave up after 3 failed connections/);
      expect(server.to(`/${kind}`)).toHaveLength(3);
    }
  });

  it("a connection is one request: the transport's own retries do not multiply the reconnections", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "RUNNING"));
      sendJson(hit.res, JSON.stringify({ error: "busy" }), 503);
    });
    const client = server.client({ maxRetries: 2 }); // the default: would be 3 requests per connection
    for (const kind of ["logs", "metrics"] as const) {
      const { error } = await drain(client, kind);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(server.to(`/${kind}`)).toHaveLength(3);
    }
  });

  it("neither counts a clean close of a running job's stream: they reconnect until the job ends", async () => {
    let completed = false;
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, completed ? "COMPLETED" : "RUNNING"));
      const kind = hit.path.endsWith("/logs") ? "logs" : "metrics";
      startSse(hit.res);
      // Five clean closes without anything new (more than maxReconnects), then an item and the end.
      // (A keep-alive for metrics: a close before any byte at all counts as a failure.)
      if (server && server.to(`/${kind}`).length <= 5) return hit.res.end(kind === "logs" ? JOB_STARTED : ": keep-alive\n\n");
      completed = true;
      hit.res.end(kind === "logs" ? `${JOB_STARTED}${lines(1, 1)}` : metric(1));
    });
    const client = server.client({ maxRetries: 0 });
    for (const kind of ["logs", "metrics"] as const) {
      completed = false;
      expect(await drain(client, kind)).toEqual({ items: 1 });
      expect(server.to(`/${kind}`)).toHaveLength(6);
    }
  });
});

describe("overlapping next() calls", () => {
  /** Calls next() `width` times at once, round after round, until all are done; then twice more. */
  async function overlapping<T>(stream: AsyncIterable<T>, width: number): Promise<{ items: T[]; after: boolean[] }> {
    const iterator = stream[Symbol.asyncIterator]();
    const items: T[] = [];
    for (;;) {
      const results = await Promise.all(Array.from({ length: width }, () => iterator.next()));
      for (const r of results) if (!r.done) items.push(r.value);
      if (results.every((r) => r.done)) break;
    }
    // Once done, the iterator stays done (and answers).
    const after = await Promise.all([iterator.next(), iterator.next()]);
    return { items, after: after.map((r) => r.done === true) };
  }

  /** Writes `count` items in chunks of 1 to 7, a few ms apart, then ends the response. */
  function trickle(hit: Hit, count: number, item: (i: number) => string, first = ""): void {
    startSse(hit.res);
    hit.res.write(first);
    let i = 1;
    const timer = setInterval(() => {
      let chunk = "";
      for (let k = 0; k < 1 + (i % 7) && i <= count; k++) chunk += item(i++);
      hit.res.write(chunk);
      if (i > count) {
        clearInterval(timer);
        hit.res.end();
      }
    }, 2);
  }

  it.each([2, 3])("logs: %i at a time get every line exactly once, in order", async (width) => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "COMPLETED"));
      trickle(hit, 300, (i) => lines(i, i), JOB_STARTED);
    });
    const { items, after } = await overlapping(server.client().logs(ID, LOGS), width);
    expect(items.map((l) => l.text)).toEqual(Array.from({ length: 300 }, (_, i) => `line ${i + 1}`));
    expect(after).toEqual([true, true]);
  });

  it.each([2, 3])("metrics: %i at a time get every sample exactly once, in order", async (width) => {
    let ended = false;
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, ended ? "COMPLETED" : "RUNNING"));
      trickle(hit, 200, metric);
      hit.res.once("finish", () => {
        ended = true;
      });
    });
    const { items, after } = await overlapping(server.client().metrics(ID, METRICS), width);
    expect(items.map((s) => s.cpuUsagePct)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(after).toEqual([true, true]);
  });
});
