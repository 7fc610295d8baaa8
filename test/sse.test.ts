import { describe, expect, it } from "vitest";
import { readSse } from "../src/streams/sse.js";
import { delay, fixture } from "./fixtures/sse/server.js";

/** A body the test writes into, chunk by chunk. */
function controlled() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let canceled = false;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      canceled = true;
    },
  });
  const encoder = new TextEncoder();
  return {
    body,
    push: (chunk: string | Uint8Array) => controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk),
    end: () => controller.close(),
    fail: (error: Error) => controller.error(error),
    get canceled() {
      return canceled;
    },
  };
}

const NEVER = Number.POSITIVE_INFINITY;

describe("readSse", () => {
  it("parses the recorded tail=4 logs sample into its five events", async () => {
    const stream = controlled();
    stream.push(fixture("logs-tail4.sse"));
    stream.end();
    const events = [];
    for await (const batch of readSse(stream.body, { idleTimeoutMs: NEVER })) events.push(...batch);
    expect(events).toHaveLength(5);
    expect(JSON.parse(events[0]?.data ?? "")).toEqual({
      data: "===== Job started at 2026-05-12 14:57:43 =====",
      timestamp: "2026-05-12T14:57:43Z",
    });
    expect(events.every((e) => e.event === undefined)).toBe(true);
  });

  it("yields the events of each chunk as one batch and reassembles events split across chunks", async () => {
    const stream = controlled();
    const sse = readSse(stream.body, { idleTimeoutMs: NEVER });
    stream.push("data: one\n\ndata: two\n\nda");
    expect((await sse.next()).value).toEqual([
      { id: undefined, event: undefined, data: "one" },
      { id: undefined, event: undefined, data: "two" },
    ]);
    // "é" is two bytes in UTF-8: split it between chunks.
    const bytes = new TextEncoder().encode("ta: caf\u00e9\n\n");
    stream.push(bytes.subarray(0, 8));
    stream.push(bytes.subarray(8));
    expect((await sse.next()).value).toEqual([{ id: undefined, event: undefined, data: "caf\u00e9" }]);
    stream.end();
    expect(await sse.next()).toEqual({ done: true, value: "end" });
  });

  it("accepts CRLF line endings, event names and multi-line data", async () => {
    const stream = controlled();
    stream.push("event: metric\r\ndata: a\r\ndata: b\r\n\r\n");
    stream.end();
    const events = [];
    for await (const batch of readSse(stream.body, { idleTimeoutMs: NEVER })) events.push(...batch);
    expect(events).toEqual([{ id: undefined, event: "metric", data: "a\nb" }]);
  });

  it("drops an event cut short by the end of the body, as the SSE spec says", async () => {
    for (const tail of ['data: {"data":"tw', "data: last", "data: last\n"]) {
      const stream = controlled();
      stream.push(`data: first\n\n${tail}`);
      stream.end();
      const data = [];
      for await (const batch of readSse(stream.body, { idleTimeoutMs: NEVER })) data.push(...batch.map((e) => e.data));
      expect(data).toEqual(["first"]);
    }
  });

  it("dispatches a last event whose blank line is a bare CR at the very end of the body", async () => {
    const stream = controlled();
    stream.push("data: a\r\rdata: b\r\r");
    stream.end();
    const data = [];
    for await (const batch of readSse(stream.body, { idleTimeoutMs: NEVER })) data.push(...batch.map((e) => e.data));
    expect(data).toEqual(["a", "b"]);
  });

  it("returns 'idle' when no byte arrives for idleTimeoutMs", async () => {
    const stream = controlled();
    const started = Date.now();
    const sse = readSse(stream.body, { idleTimeoutMs: 80 });
    expect(await sse.next()).toEqual({ done: true, value: "idle" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect(stream.canceled).toBe(true);
  });

  it("counts keep-alive comments as bytes (no idle) but yields nothing for them", async () => {
    const stream = controlled();
    const sse = readSse(stream.body, { idleTimeoutMs: 120 });
    const pending = sse.next();
    for (let i = 0; i < 6; i++) {
      await delay(50);
      stream.push(": keep-alive\n\n");
    }
    stream.push("data: after\n\n");
    // 300 ms passed without an event, but never 120 ms without a byte.
    expect((await pending).value).toEqual([{ id: undefined, event: undefined, data: "after" }]);
  });

  it("yields an empty batch after quietMs without an event and keeps the same read going", async () => {
    const stream = controlled();
    const sse = readSse(stream.body, { idleTimeoutMs: NEVER, quietMs: 60 });
    stream.push(": keep-alive\n\n"); // bytes, not an event: still quiet
    expect((await sse.next()).value).toEqual([]);
    setTimeout(() => stream.push("data: late\n\n"), 20);
    // A longer window is passed with next(): the event lands before it.
    expect((await sse.next(1000)).value).toEqual([{ id: undefined, event: undefined, data: "late" }]);
  });

  it("does not count the consumer's own time as silence", async () => {
    const stream = controlled();
    const sse = readSse(stream.body, { idleTimeoutMs: 100 });
    stream.push("data: one\n\n");
    expect((await sse.next()).value).toHaveLength(1);
    await delay(200); // the consumer is busy longer than the idle window
    setTimeout(() => stream.push("data: two\n\n"), 30);
    expect((await sse.next()).value).toEqual([{ id: undefined, event: undefined, data: "two" }]);
  });

  it("cancels the body when the consumer stops early (break)", async () => {
    const stream = controlled();
    stream.push("data: one\n\n");
    for await (const batch of readSse(stream.body, { idleTimeoutMs: NEVER })) {
      expect(batch).toHaveLength(1);
      break;
    }
    expect(stream.canceled).toBe(true);
  });

  it("cancels the body and clears its timer when stopped during a quiet tick", async () => {
    const stream = controlled();
    const sse = readSse(stream.body, { idleTimeoutMs: 50_000, quietMs: 20 });
    expect((await sse.next()).value).toEqual([]); // suspended with a read still pending
    await sse.return("end");
    expect(stream.canceled).toBe(true);
  });

  it("propagates a stream error (a dropped connection)", async () => {
    const stream = controlled();
    const sse = readSse(stream.body, { idleTimeoutMs: NEVER });
    stream.push("data: one\n\n");
    await sse.next();
    stream.fail(new TypeError("terminated"));
    await expect(sse.next()).rejects.toThrow("terminated");
  });
});
