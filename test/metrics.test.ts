import { afterEach, describe, expect, it } from "vitest";
import { JobNotFoundError } from "../src/index.js";
import type { MetricSample, MetricsOptions } from "../src/index.js";
import { toMetricSample } from "../src/streams/metrics.js";
import { type TestServer, delay, fixture, jobJson, sendJson, startServer, startSse } from "./fixtures/sse/server.js";

const ID = "6a033fe772518a06598ff618";
const METRICS = `/api/jobs/ns/${ID}/metrics`;
const JOB = `/api/jobs/ns/${ID}`;
const FAST: MetricsOptions = { statusCheckMs: 100, reconnect: { baseDelayMs: 10, maxDelayMs: 40 } };
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const metric = (cpu: number) =>
  `event: metric\ndata: ${JSON.stringify({ cpu_usage_pct: cpu, cpu_millicores: 2000, memory_used_bytes: 1, memory_total_bytes: 2, rx_bps: 3, tx_bps: 4, gpus: {}, replica: "r1" })}\n\n`;

async function collect(stream: AsyncIterable<MetricSample>): Promise<MetricSample[]> {
  const out: MetricSample[] = [];
  for await (const sample of stream) out.push(sample);
  return out;
}

describe("toMetricSample", () => {
  it("converts the recorded a10g event (huggingface_hub hf_api.py) to camelCase", () => {
    const data = fixture("metrics-a10g.sse").split("\n")[1]?.slice("data: ".length) ?? "";
    const at = new Date("2026-05-12T15:00:00Z");
    expect(toMetricSample(data, at)).toEqual({
      cpuUsagePct: 0,
      cpuMillicores: 3500,
      memoryUsedBytes: 1417216,
      memoryTotalBytes: 15032385536,
      rxBps: 0,
      txBps: 0,
      gpus: [{ id: "d901cd7f", utilization: 0, memoryUsedBytes: 0, memoryTotalBytes: 22836000000 }],
      replica: "j6qz9",
      receivedAt: at,
    });
  });

  it("converts the cpu-basic event (huggingface_hub jobs guide): no GPUs", () => {
    expect(toMetricSample(fixture("metrics-cpu.json"))).toMatchObject({ cpuMillicores: 2000, gpus: [], replica: "4dzsh" });
  });

  it("sorts GPUs by id and leaves missing fields undefined", () => {
    const sample = toMetricSample(JSON.stringify({ gpus: { b2: { utilization: 50 }, a1: { utilization: 10 }, "0c": {} } }));
    expect(sample?.gpus.map((g) => g.id)).toEqual(["0c", "a1", "b2"]);
    expect(sample?.gpus[1]).toEqual({ id: "a1", utilization: 10, memoryUsedBytes: undefined, memoryTotalBytes: undefined });
    expect(sample?.cpuUsagePct).toBeUndefined();
  });

  it("rejects data that is not a metrics object", () => {
    expect(toMetricSample("not json")).toBeUndefined();
    expect(toMetricSample("42")).toBeUndefined();
    expect(toMetricSample(JSON.stringify({ cpu_usage_pct: "high" }))).toBeUndefined();
  });
});

describe("metrics()", () => {
  it("streams samples and ends cleanly when the service answers 500 after the job ended", async () => {
    let stage = "RUNNING";
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, stage));
      if (server?.to("/metrics").length === 1) {
        startSse(hit.res);
        hit.res.write(fixture("metrics-a10g.sse"));
        hit.res.write(": keep-alive\n\nevent: other\ndata: {}\n\ndata: not json\n\n");
        hit.res.write(metric(12.5));
        // The job ends; the service drops the stream, then answers 500.
        setTimeout(() => {
          stage = "COMPLETED";
          hit.res.socket?.destroy();
        }, 30);
        return;
      }
      sendJson(hit.res, JSON.stringify({ error: "Internal Error" }), 500);
    });
    const stream = server.client().metrics(ID, FAST);
    const samples = await collect(stream);
    expect(samples.map((s) => s.cpuUsagePct)).toEqual([0, 12.5]);
    expect(samples[0]?.gpus).toEqual([{ id: "d901cd7f", utilization: 0, memoryUsedBytes: 0, memoryTotalBytes: 22836000000 }]);
    expect(samples[0]?.receivedAt).toBeInstanceOf(Date);
    expect(stream.job?.status.stage).toBe("COMPLETED");
    const requests = server.to("/metrics");
    expect(requests.every((h) => h.headers.accept === "text/event-stream" && h.path === METRICS)).toBe(true);
  });

  it("ends at once on a 500 for a job that has already finished", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "CANCELED"));
      sendJson(hit.res, JSON.stringify({ error: "Internal Error" }), 500);
    });
    const stream = server.client().metrics(ID, FAST);
    expect(await collect(stream)).toEqual([]);
    expect(stream.job?.status.stage).toBe("CANCELED");
    expect(server.to("/metrics")).toHaveLength(1);
  });

  it("treats a 500 as transient while the job still runs", async () => {
    let stage = "RUNNING";
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, stage));
      const n = server?.to("/metrics").length ?? 0;
      if (n === 1) return sendJson(hit.res, "{}", 500);
      startSse(hit.res);
      stage = "COMPLETED";
      hit.res.end(metric(1));
    });
    const samples = await collect(server.client().metrics(ID, FAST));
    expect(samples.map((s) => s.cpuUsagePct)).toEqual([1]);
    expect(server.to("/metrics")).toHaveLength(2);
  });

  it("ends when a silent stream belongs to a finished job (the service keeps it open)", async () => {
    let stage = "RUNNING";
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, stage));
      startSse(hit.res);
      hit.res.write(metric(5));
      const timer = setInterval(() => hit.res.write(": keep-alive\n\n"), 30);
      hit.res.once("close", () => clearInterval(timer));
      setTimeout(() => {
        stage = "COMPLETED";
      }, 150);
    });
    const stream = server.client().metrics(ID, FAST);
    expect((await collect(stream)).map((s) => s.cpuUsagePct)).toEqual([5]);
    expect(stream.job?.status.stage).toBe("COMPLETED");
    expect(server.to("/metrics")).toHaveLength(1);
    await server.to("/metrics")[0]?.clientClosed;
  });

  it("reconnects after a drop while the job runs (no dedup: samples are not replayed)", async () => {
    let stage = "RUNNING";
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, stage));
      startSse(hit.res);
      const n = server?.to("/metrics").length ?? 0;
      hit.res.write(metric(n));
      if (n === 1) setTimeout(() => hit.res.socket?.destroy(), 20);
      else {
        stage = "COMPLETED";
        setTimeout(() => hit.res.end(), 20);
      }
    });
    expect((await collect(server.client().metrics(ID, FAST))).map((s) => s.cpuUsagePct)).toEqual([1, 2]);
  });

  it("fails with JobNotFoundError on 404", async () => {
    server = await startServer((hit) => sendJson(hit.res, JSON.stringify({ error: "not found" }), 404));
    await expect(collect(server.client().metrics(ID, FAST))).rejects.toBeInstanceOf(JobNotFoundError);
    expect(server.hits).toHaveLength(1);
  });

  it("closes the connection on abort and on break", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "RUNNING"));
      startSse(hit.res);
      const timer = setInterval(() => hit.res.write(metric(1)), 20);
      hit.res.once("close", () => clearInterval(timer));
    });
    const client = server.client();
    for await (const _ of client.metrics(ID, FAST)) break;
    await server.to("/metrics")[0]?.clientClosed;

    const controller = new AbortController();
    const stream = client.metrics(ID, { ...FAST, signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await expect(
      (async () => {
        for (;;) await iterator.next();
      })(),
    ).rejects.toMatchObject({ name: "AbortError" });
    await Promise.race([server.to("/metrics")[1]?.clientClosed, delay(2000).then(() => Promise.reject(new Error("still open")))]);
  });
});

describe("metrics() on a finished job, with the default retries", () => {
  it("sends one /metrics request: a 500 there is not retried by the transport", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "COMPLETED"));
      sendJson(hit.res, JSON.stringify({ error: "Internal Error" }), 500);
    });
    const started = Date.now();
    const stream = server.client({ maxRetries: 2 }).metrics(ID, FAST);
    expect(await collect(stream)).toEqual([]);
    expect(stream.job?.status.stage).toBe("COMPLETED");
    expect(server.to("/metrics")).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
