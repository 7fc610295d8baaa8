import { afterEach, describe, expect, it } from "vitest";
import { AuthenticationError, JobNotFoundError, PermissionDeniedError, ValidationError } from "../src/index.js";
import type { LogLine } from "../src/index.js";
import {
  JOB_STARTED,
  type TestServer,
  delay,
  fixture,
  logEvent,
  sendJson,
  startServer,
  startSse,
} from "./fixtures/sse/server.js";

const ID = "6a033fe772518a06598ff618";
const LOGS = `/api/jobs/ns/${ID}/logs`;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function collect(stream: AsyncIterable<LogLine>): Promise<Array<{ text: string; timestamp: string | undefined }>> {
  const out = [];
  for await (const line of stream) out.push({ text: line.text, timestamp: line.timestamp?.toISOString() });
  return out;
}

describe("logs() snapshot", () => {
  it("yields the recorded tail=4 sample (huggingface_hub PR 4202) without the Job started line, sending tail and SSE headers", async () => {
    server = await startServer((hit) => {
      startSse(hit.res);
      hit.res.write(fixture("logs-tail4.sse")); // and, like the service, never closes
    });
    const started = Date.now();
    const lines = await collect(server.client().logs(ID, { tail: 4, idleTimeoutMs: 300 }));
    expect(lines).toEqual([
      { text: "{ event: 'phase', phase: 'committing' }", timestamp: "2026-05-12T14:58:23.645Z" },
      {
        text: "Branch 'refs/convert/build' created successfully in repo 'coyotte508/fastvlm-webgpu'.",
        timestamp: "2026-05-12T14:58:24.755Z",
      },
      {
        text: "Branch 'refs/tmp/build' deleted successfully from repo 'coyotte508/fastvlm-webgpu'.",
        timestamp: "2026-05-12T14:58:25.157Z",
      },
      { text: "Build and upload completed successfully.", timestamp: "2026-05-12T14:58:25.162Z" },
    ]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.hits).toHaveLength(1);
    const [hit] = server.hits;
    expect(hit?.method).toBe("GET");
    expect(hit?.path).toBe(LOGS);
    expect([...(hit?.query ?? [])]).toEqual([["tail", "4"]]);
    expect(hit?.headers.accept).toBe("text/event-stream");
    expect(hit?.headers.authorization).toBe("Bearer hf_test_token");
    await hit?.clientClosed; // the snapshot closed its connection
  });

  it("ends at once when the server closes the stream, and sends no tail by default", async () => {
    server = await startServer((hit) => {
      startSse(hit.res);
      hit.res.end(`${JOB_STARTED}${logEvent("only line")}`);
    });
    const started = Date.now();
    const lines = await collect(server.client().logs(`ns/${ID}`, { idleTimeoutMs: 10_000 }));
    expect(lines.map((l) => l.text)).toEqual(["only line"]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.hits[0]?.query.has("tail")).toBe(false);
  });

  it("ends after the idle window even though keep-alives keep arriving", async () => {
    server = await startServer((hit) => {
      startSse(hit.res);
      hit.res.write(`${JOB_STARTED}${logEvent("one")}`);
      const timer = setInterval(() => hit.res.write(": keep-alive\n\n"), 40);
      hit.res.once("close", () => clearInterval(timer));
    });
    const started = Date.now();
    const lines = await collect(server.client().logs(ID, { idleTimeoutMs: 250 }));
    expect(lines.map((l) => l.text)).toEqual(["one"]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(5000);
    await server.hits[0]?.clientClosed;
  });

  it("yields non-JSON data as raw text and ignores comments, event names and empty data", async () => {
    server = await startServer((hit) => {
      startSse(hit.res);
      hit.res.end(
        [
          JOB_STARTED,
          ": keep-alive\n\n",
          "data: plain text line\n\n",
          "data: {broken json\n\n",
          "event: log\ndata: {\"data\":\"named event\",\"timestamp\":\"2026-05-12T15:00:00Z\"}\n\n",
          "data:\n\n",
          'data: {"unexpected":"shape"}\n\n',
        ].join(""),
      );
    });
    expect(await collect(server.client().logs(ID))).toEqual([
      { text: "plain text line", timestamp: undefined },
      { text: "{broken json", timestamp: undefined },
      { text: "named event", timestamp: "2026-05-12T15:00:00.000Z" },
      { text: '{"unexpected":"shape"}', timestamp: undefined },
    ]);
  });

  it("skips Job started only as the first event of a connection", async () => {
    server = await startServer((hit) => {
      startSse(hit.res);
      hit.res.end(`${logEvent("first real line")}${logEvent("===== Job started (printed by the job) =====")}`);
    });
    expect((await collect(server.client().logs(ID))).map((l) => l.text)).toEqual([
      "first real line",
      "===== Job started (printed by the job) =====",
    ]);
  });

  it.each([
    [404, JobNotFoundError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
  ])("fails at once with the typed error on HTTP %i", async (status, type) => {
    server = await startServer((hit) => sendJson(hit.res, JSON.stringify({ error: "nope" }), status));
    const client = server.client({ maxRetries: 2 });
    await expect(collect(client.logs(ID, { follow: true, reconnect: { baseDelayMs: 5 } }))).rejects.toBeInstanceOf(type);
    expect(server.hits).toHaveLength(1);
  });

  it("rejects bad input before any request", async () => {
    server = await startServer((hit) => sendJson(hit.res, "{}"));
    const client = server.client();
    expect(() => client.logs(ID, { tail: -1 })).toThrow(ValidationError);
    expect(() => client.logs(ID, { tail: 1.5 })).toThrow(ValidationError);
    expect(() => client.logs("a/b/c")).toThrow(ValidationError);
    expect(() => client.logs(ID, { idleTimeoutMs: 0 })).toThrow(ValidationError);
    expect(() => client.logs(ID, { reconnect: { maxReconnects: -1 } })).toThrow(ValidationError);
    await delay(10);
    expect(server.hits).toHaveLength(0);
  });

  it("is lazy: nothing is requested until the first next()", async () => {
    server = await startServer((hit) => {
      startSse(hit.res);
      hit.res.end(logEvent("x"));
    });
    const stream = server.client().logs(ID);
    await delay(30);
    expect(server.hits).toHaveLength(0);
    expect((await collect(stream)).map((l) => l.text)).toEqual(["x"]);
    expect(stream.job).toBeUndefined(); // a snapshot does not look at the job
  });
});
