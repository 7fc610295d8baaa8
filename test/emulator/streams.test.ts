// SSE routes: logs (framing, replay, tail, follow, end behaviour), metrics, events.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { z } from "zod";
import { MetricEventWire } from "../../src/wire/schemas.js";

// One log event as the service sends it (the client reads these fields without a schema).
const LogEventWire = z.object({ data: z.string(), timestamp: z.string().optional() });
import { StreamReader, api, createJob, dataLines, logMessages, spec, start, waitStage, waitTerminal } from "./helpers.js";

const STARTED = /^===== Job started at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} =====$/;

let emu: Emulator; // default options: streams end once the job has ended
let keepOpen: Emulator; // keepLogStreamsOpen: true, for the tests of that knob only

beforeAll(async () => {
  emu = await start({ keepAliveMs: 100, metricsIntervalMs: 100 });
  keepOpen = await start({ keepAliveMs: 100, metricsIntervalMs: 100, keepLogStreamsOpen: true });
});
afterAll(async () => {
  await emu.close();
  await keepOpen.close();
});

async function finishedLog(e: Emulator, id: string, query = ""): Promise<string> {
  const reader = await StreamReader.open(e, `/api/jobs/${e.namespace}/${id}/logs${query}`);
  expect(await reader.finished()).toBe("ended");
  return reader.text;
}

describe("logs", () => {
  it("frames every line as data: {data, timestamp} with the Job-started event first", async () => {
    const script = `printf 'one\\n"quoted" \\\\ back\\ttab\\nemoji \\360\\237\\230\\200\\r\\n'; echo err >&2; printf 'no newline at end'`;
    const job = await createJob(emu, spec(["sh", "-c", script]));
    await waitTerminal(emu, job.id);
    const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${job.id}/logs`);
    expect(reader.response.status).toBe(200);
    expect(reader.response.headers.get("content-type")).toBe("text/event-stream");
    expect(reader.response.headers.get("x-request-id")).toBeTruthy();
    await reader.finished();
    const text = reader.text;
    // Every event is exactly one data line and a blank line.
    expect(text.endsWith("\n\n")).toBe(true);
    for (const event of text.slice(0, -2).split("\n\n")) expect(event).toMatch(/^data: \{"data":.*,"timestamp":"[^"]+"\}$/);
    const events = dataLines(text).map((l) => LogEventWire.parse(JSON.parse(l)));
    expect(events[0]?.data).toMatch(STARTED);
    expect(events[0]?.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    for (const e of events.slice(1)) expect(e.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const messages = events.slice(1).map((e) => e.data);
    expect(messages).toContain("one");
    expect(messages).toContain('"quoted" \\ back\ttab');
    expect(messages).toContain("emoji 😀");
    expect(messages).toContain("err");
    expect(messages[messages.length - 1]).toBe("no newline at end");
    expect(messages.length).toBe(5);
  });

  it("replays the whole log on every connection", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done"]));
    await waitTerminal(emu, job.id);
    const first = await finishedLog(emu, job.id);
    const second = await finishedLog(emu, job.id);
    expect(second).toBe(first);
    expect(logMessages(first)).toEqual(["line1", "line2", "line3", "line4", "line5"]);
  });

  it("serves the last `tail` lines after the Job-started event", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done"]));
    await waitTerminal(emu, job.id);
    const tail2 = dataLines(await finishedLog(emu, job.id, "?tail=2")).map((l) => (JSON.parse(l) as { data: string }).data);
    expect(tail2[0]).toMatch(STARTED);
    expect(tail2.slice(1)).toEqual(["line4", "line5"]);
    const tail0 = dataLines(await finishedLog(emu, job.id, "?tail=0"));
    expect(tail0.length).toBe(1);
    expect(logMessages(await finishedLog(emu, job.id, "?tail=50"))).toEqual(["line1", "line2", "line3", "line4", "line5"]);
    const bad = await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/logs?tail=abc`);
    expect(bad.status).toBe(400);
  });

  it("follows a running job and sends keep-alive comments", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "echo first; sleep 0.7; echo second; sleep 30"]));
    const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${job.id}/logs`);
    await reader.until((t) => t.includes('"first"'));
    expect(reader.text).not.toContain('"second"');
    await reader.until((t) => t.includes('"second"'));
    await reader.until((t) => t.includes(": keep-alive\n\n"));
    // Comments only ever come between events.
    expect(reader.text).toMatch(/(^|\n\n): keep-alive\n\n/);
    await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
    await reader.close();
  });

  it("keeps the connection open with keep-alives after the job ended, with keepLogStreamsOpen (a knob for reconnect tests)", async () => {
    const job = await createJob(keepOpen, spec(["sh", "-c", "echo only"]));
    await waitTerminal(keepOpen, job.id);
    const reader = await StreamReader.open(keepOpen, `/api/jobs/${keepOpen.namespace}/${job.id}/logs`);
    await reader.until((t) => t.includes('"only"'));
    const before = reader.text.split(": keep-alive").length;
    await reader.until((t) => t.split(": keep-alive").length >= before + 2);
    expect(reader.outcome).toBe("open");
    await reader.close();
  });

  it("ends a followed stream once the job is terminal and all lines were sent (default)", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "echo a; sleep 0.3; echo b"]));
    const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${job.id}/logs`);
    expect(await reader.finished()).toBe("ended");
    expect(logMessages(reader.text)).toEqual(["a", "b"]);
    expect((await waitTerminal(emu, job.id)).status.stage).toBe("COMPLETED");
  });

  it("ends the stream of a failed job and of a job cancelled while it runs or before it started (default)", async () => {
    const failed = await createJob(emu, spec(["sh", "-c", "echo bad; exit 2"]));
    const failedReader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${failed.id}/logs`);
    expect(await failedReader.finished()).toBe("ended");
    expect(logMessages(failedReader.text)).toEqual(["bad"]);

    const running = await createJob(emu, spec(["sh", "-c", "echo up; sleep 30"]));
    const runningReader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${running.id}/logs`);
    await runningReader.until((t) => t.includes('"up"'));
    await api(emu)(`/api/jobs/${emu.namespace}/${running.id}/cancel`, { method: "POST" });
    expect(await runningReader.finished()).toBe("ended");

    const slow = await start({ schedulingDelayMs: 60_000 });
    try {
      const waiting = await createJob(slow, spec(["true"]));
      const waitingReader = await StreamReader.open(slow, `/api/jobs/${slow.namespace}/${waiting.id}/logs`);
      await api(slow)(`/api/jobs/${slow.namespace}/${waiting.id}/cancel`, { method: "POST" });
      expect(await waitingReader.finished()).toBe("ended");
      expect(dataLines(waitingReader.text)).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it("keeps the deprecated closeLogStreamsAtJobEnd: false working as keepLogStreamsOpen: true", async () => {
    const legacy = await start({ keepAliveMs: 50, closeLogStreamsAtJobEnd: false });
    try {
      const job = await createJob(legacy, spec(["true"]));
      await waitTerminal(legacy, job.id);
      const reader = await StreamReader.open(legacy, `/api/jobs/${legacy.namespace}/${job.id}/logs`);
      await reader.until((t) => t.split(": keep-alive").length >= 3);
      expect(reader.outcome).toBe("open");
      await reader.close();
    } finally {
      await legacy.close();
    }
    await expect(start({ keepLogStreamsOpen: true, closeLogStreamsAtJobEnd: true })).rejects.toThrow(/contradict/);
  });

  it("sends nothing but keep-alives while the job is in SCHEDULING, then the Job-started event", async () => {
    const slow = await start({ keepAliveMs: 50, schedulingDelayMs: 400 });
    try {
      const job = await createJob(slow, spec(["sh", "-c", "echo go"]));
      const reader = await StreamReader.open(slow, `/api/jobs/${slow.namespace}/${job.id}/logs`);
      await reader.until((t) => t.includes(": keep-alive"));
      expect(dataLines(reader.text)).toEqual([]);
      await reader.until((t) => t.includes('"go"'));
      expect((JSON.parse(dataLines(reader.text)[0] ?? "{}") as { data: string }).data).toMatch(STARTED);
      await reader.close();
    } finally {
      await slow.close();
    }
  });

  it("streams a large log in order, without losing lines", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "seq 1 50000"]));
    const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${job.id}/logs`);
    await reader.finished(20_000);
    const messages = logMessages(reader.text);
    expect(messages.length).toBe(50_000);
    expect(messages[0]).toBe("1");
    expect(messages[49_999]).toBe("50000");
    expect(messages.every((m, i) => m === String(i + 1))).toBe(true);
  });
});

describe("metrics", () => {
  it("streams event: metric with snake_case samples of the job's processes while it runs", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "while :; do :; done"]));
    await waitStage(emu, job.id, "RUNNING");
    const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${job.id}/metrics`);
    expect(reader.response.headers.get("content-type")).toBe("text/event-stream");
    await reader.until((t) => t.split("event: metric\ndata: ").length >= 4);
    const blocks = reader.text.split("\n\n").filter((b) => b.startsWith("event: metric\n"));
    const samples = blocks.map((b) => JSON.parse(b.slice("event: metric\ndata: ".length)) as Record<string, unknown>);
    for (const s of samples) {
      MetricEventWire.parse(s);
      expect(Object.keys(s)).toEqual(["cpu_usage_pct", "cpu_millicores", "memory_used_bytes", "memory_total_bytes", "rx_bps", "tx_bps", "gpus", "replica"]);
      expect(s.cpu_millicores).toBe(2000);
      expect(s.memory_total_bytes).toBe(17_179_869_184);
      expect(s.memory_used_bytes as number).toBeGreaterThan(0);
      expect(s.rx_bps).toBe(0);
      expect(s.tx_bps).toBe(0);
      expect(typeof s.replica).toBe("string");
      expect(s.replica).toBe(samples[0]?.replica);
    }
    // A busy loop shows up as CPU use once two samples exist.
    expect(Math.max(...samples.map((s) => s.cpu_usage_pct as number))).toBeGreaterThan(5);
    await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
    await reader.close();
  });

  it("reports real CPU use in its very first sample", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "while :; do :; done"]));
    await waitStage(emu, job.id, "RUNNING");
    const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${job.id}/metrics`);
    await reader.until((t) => t.includes("event: metric\ndata: "));
    const first = JSON.parse(dataLines(reader.text)[0] ?? "{}") as { cpu_usage_pct: number };
    expect(first.cpu_usage_pct).toBeGreaterThan(0);
    await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
    await reader.close();
  });

  it("ends the metric stream once the job has ended (default)", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "sleep 0.8"]));
    await waitStage(emu, job.id, "RUNNING");
    const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${job.id}/metrics`);
    expect(await reader.finished()).toBe("ended");
    expect((await waitTerminal(emu, job.id)).status.stage).toBe("COMPLETED");
  });

  it("keeps the metric stream open after the job ended, with keepLogStreamsOpen (a knob for reconnect tests)", async () => {
    const job = await createJob(keepOpen, spec(["sh", "-c", "sleep 0.5"]));
    await waitStage(keepOpen, job.id, "RUNNING");
    const reader = await StreamReader.open(keepOpen, `/api/jobs/${keepOpen.namespace}/${job.id}/metrics`);
    await waitTerminal(keepOpen, job.id);
    const before = reader.text.split(": keep-alive").length;
    await reader.until((t) => t.split(": keep-alive").length >= before + 2);
    expect(reader.outcome).toBe("open");
    await reader.close();
  });

  it("answers HTTP 500 once the job is terminal", async () => {
    const job = await createJob(emu, spec(["true"]));
    await waitTerminal(emu, job.id);
    const res = await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/metrics`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toMatch(/not running/);
  });
});

describe("events", () => {
  it("replays stage changes as data: {type, stage, message, timestamp}", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "exit 4"]));
    await waitTerminal(emu, job.id);
    const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${job.id}/events`);
    expect(reader.response.headers.get("content-type")).toBe("text/event-stream");
    await reader.finished();
    const events = reader.data();
    expect(events.map((e) => e.stage)).toEqual(["SCHEDULING", "RUNNING", "ERROR"]);
    expect(events[2]).toMatchObject({ type: "stage", message: "Job failed with exit code: 4" });
    for (const e of events) expect(Object.keys(e)).toEqual(["type", "stage", "message", "timestamp"]);
  });
});
