import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError, JobNotFoundError } from "../src/index.js";
import type { LogLine, LogsOptions } from "../src/index.js";
import {
  JOB_STARTED,
  type TestServer,
  jobJson,
  lines,
  logEvent,
  sendJson,
  startServer,
  startSse,
} from "./fixtures/sse/server.js";

const ID = "6a033fe772518a06598ff618";
const JOB = `/api/jobs/ns/${ID}`;
// Short windows so that the tests run in well under a second each.
const FAST: LogsOptions = {
  follow: true,
  statusCheckMs: 60,
  maxStatusCheckMs: 120,
  drainMs: 80,
  deadConnectionMs: 5000,
  reconnect: { baseDelayMs: 10, maxDelayMs: 40 },
};
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function texts(stream: AsyncIterable<LogLine>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of stream) out.push(line.text);
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

describe("logs() follow", () => {
  it("ends once the job is terminal and drained, with the final job, though the server never closes", async () => {
    let statusChecks = 0;
    server = await startServer((hit) => {
      if (hit.path === JOB) {
        statusChecks++;
        const done = statusChecks >= 2;
        // Once the job is seen finished, one late line arrives within the drain window.
        if (statusChecks === 2) setTimeout(() => server?.to("/logs")[0]?.res.write(lines(4, 4)), 20);
        return sendJson(hit.res, jobJson(ID, done ? "COMPLETED" : "RUNNING"));
      }
      startSse(hit.res);
      hit.res.write(`${JOB_STARTED}${lines(1, 3)}`);
      const timer = setInterval(() => hit.res.write(": keep-alive\n\n"), 30);
      hit.res.once("close", () => clearInterval(timer));
    });
    const stream = server.client().logs(ID, FAST);
    expect(await texts(stream)).toEqual(range(1, 4));
    expect(stream.job?.status.stage).toBe("COMPLETED");
    expect(server.to("/logs")).toHaveLength(1);
    expect(statusChecks).toBe(2); // no check while draining
    await server.to("/logs")[0]?.clientClosed;
  });

  it("ends when the server closes a finished job's stream, without waiting for a window", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "ERROR", "Job failed with exit code: 1"));
      startSse(hit.res);
      hit.res.end(`${JOB_STARTED}${lines(1, 2)}`);
    });
    const stream = server.client().logs(ID, { ...FAST, statusCheckMs: 60_000, drainMs: 60_000 });
    expect(await texts(stream)).toEqual(range(1, 2));
    expect(stream.job?.status).toMatchObject({ stage: "ERROR", message: "Job failed with exit code: 1" });
    expect(server.to("/logs")).toHaveLength(1);
  });

  it("reconnects after a connection dropped mid-event and skips the replay: no line lost or repeated", async () => {
    let stage = "RUNNING";
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, stage));
      startSse(hit.res);
      if (server?.to("/logs").length === 1) {
        // Five whole events, then half of the sixth, then the connection breaks.
        hit.res.write(`${JOB_STARTED}${lines(1, 5)}${lines(6, 6).slice(0, 25)}`);
        setTimeout(() => hit.res.socket?.destroy(), 30);
        return;
      }
      hit.res.write(`${JOB_STARTED}${lines(1, 8)}`); // the service replays from the start
      setTimeout(() => {
        stage = "COMPLETED";
      }, 50);
    });
    const stream = server.client().logs(ID, FAST);
    expect(await texts(stream)).toEqual(range(1, 8));
    expect(stream.job?.status.stage).toBe("COMPLETED");
    const connections = server.to("/logs");
    expect(connections).toHaveLength(2);
    expect(connections.every((h) => !h.query.has("tail"))).toBe(true);
  });

  it("with tail, reconnects with the same tail when nothing was logged meanwhile, and skips what it delivered", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "COMPLETED"));
      startSse(hit.res);
      const tail = Number(hit.query.get("tail") ?? 1000);
      const log = lines(Math.max(1, 11 - tail), 10);
      if (server?.to("/logs").length === 1) {
        hit.res.write(`${JOB_STARTED}${log.slice(0, log.indexOf("data", 200))}`); // part of the tail, then a cut
        setTimeout(() => hit.res.socket?.destroy(), 30);
        return;
      }
      hit.res.end(`${JOB_STARTED}${log}`);
    });
    const stream = server.client().logs(ID, { ...FAST, tail: 4 });
    expect(await texts(stream)).toEqual(range(7, 10));
    expect(server.to("/logs").map((h) => h.query.get("tail"))).toEqual(["4", "4"]);
  });

  it("with tail, lines logged between connections: the same tail does not line up, a full replay does", async () => {
    let stage = "RUNNING";
    let logged = 10;
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, stage));
      startSse(hit.res);
      const tail = hit.query.get("tail");
      const from = tail === null ? 1 : Math.max(1, logged - Number(tail) + 1);
      hit.res.write(`${JOB_STARTED}${lines(from, logged)}`);
      if (server?.to("/logs").length === 1) {
        logged = 12; // two lines are logged while the client reconnects
        setTimeout(() => hit.res.socket?.destroy(), 30);
        return;
      }
      setTimeout(() => {
        stage = "COMPLETED";
      }, 50);
    });
    const stream = server.client().logs(ID, { ...FAST, tail: 3 });
    expect(await texts(stream)).toEqual(range(8, 12));
    expect(server.to("/logs").map((h) => h.query.get("tail"))).toEqual(["3", "3", null]);
  });

  it("replaces a dead connection (no byte, not even a keep-alive) while the job runs", async () => {
    let stage = "RUNNING";
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, stage));
      startSse(hit.res);
      if (server?.to("/logs").length === 1) {
        hit.res.write(`${JOB_STARTED}${lines(1, 2)}`); // then silence
        return;
      }
      hit.res.write(`${JOB_STARTED}${lines(1, 4)}`);
      setTimeout(() => {
        stage = "COMPLETED";
      }, 50);
    });
    const stream = server.client().logs(ID, { ...FAST, deadConnectionMs: 300 });
    expect(await texts(stream)).toEqual(range(1, 4));
    const [first] = server.to("/logs");
    expect(server.to("/logs")).toHaveLength(2);
    expect(first?.closedByClient).toBe(true);
  });

  it("keeps a connection that only sends keep-alives", async () => {
    let stage = "RUNNING";
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, stage));
      startSse(hit.res);
      hit.res.write(`${JOB_STARTED}${lines(1, 1)}`);
      const timer = setInterval(() => hit.res.write(": keep-alive\n\n"), 40);
      hit.res.once("close", () => clearInterval(timer));
      setTimeout(() => {
        stage = "COMPLETED";
      }, 600);
    });
    const stream = server.client().logs(ID, { ...FAST, deadConnectionMs: 150 });
    expect(await texts(stream)).toEqual(["line 1"]);
    expect(server.to("/logs")).toHaveLength(1); // 600 ms of keep-alives, never 150 ms of silence
  });

  it("reconnects when the server closes the stream of a job that still runs", async () => {
    let stage = "RUNNING";
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, stage));
      startSse(hit.res);
      const n = server?.to("/logs").length ?? 0;
      if (n === 1) return hit.res.end(`${JOB_STARTED}${lines(1, 2)}`);
      if (n === 2) return hit.res.end(`${JOB_STARTED}${lines(1, 3)}`);
      stage = "COMPLETED";
      hit.res.end(`${JOB_STARTED}${lines(1, 5)}`);
    });
    const stream = server.client().logs(ID, FAST);
    expect(await texts(stream)).toEqual(range(1, 5));
    expect(server.to("/logs")).toHaveLength(3);
    expect(stream.job?.status.stage).toBe("COMPLETED");
  });

  it("drains the rest of a finished job's log after a drop", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "COMPLETED"));
      startSse(hit.res);
      if (server?.to("/logs").length === 1) {
        hit.res.write(`${JOB_STARTED}${lines(1, 2)}`);
        setTimeout(() => hit.res.socket?.destroy(), 20);
        return;
      }
      hit.res.write(`${JOB_STARTED}${lines(1, 6)}`); // kept open: the drain ends on silence
    });
    // Only the drain window may end it: the snapshot window is far longer than the test timeout.
    const stream = server.client().logs(ID, { ...FAST, idleTimeoutMs: 600_000 });
    expect(await texts(stream)).toEqual(range(1, 6));
    expect(stream.job?.status.stage).toBe("COMPLETED");
  });

  it("gives up when the server keeps closing the stream cleanly and the status cannot be read", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, JSON.stringify({ error: "unavailable" }), 503);
      startSse(hit.res);
      hit.res.end(JOB_STARTED);
    });
    const client = server.client({ maxRetries: 0 });
    const error = await texts(client.logs(ID, { ...FAST, reconnect: { maxReconnects: 2, baseDelayMs: 5 } })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect(server.to("/logs")).toHaveLength(3);
  });

  it("retries a failed status check instead of throwing", async () => {
    let checks = 0;
    server = await startServer((hit) => {
      if (hit.path === JOB) {
        checks++;
        if (checks === 1) return sendJson(hit.res, JSON.stringify({ error: "boom" }), 503);
        return sendJson(hit.res, jobJson(ID, "COMPLETED"));
      }
      startSse(hit.res);
      hit.res.write(`${JOB_STARTED}${lines(1, 1)}`);
    });
    const stream = server.client().logs(ID, FAST);
    expect(await texts(stream)).toEqual(["line 1"]);
    expect(checks).toBe(2);
  });

  it("gives up with a ConnectionError after the allowed consecutive failures", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "RUNNING"));
      sendJson(hit.res, JSON.stringify({ error: "unavailable" }), 503);
    });
    const error = await texts(server.client().logs(ID, { ...FAST, reconnect: { maxReconnects: 3, baseDelayMs: 5 } })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/gave up after 4 failed connections/);
    expect((error as Error).cause).toMatchObject({ status: 503 });
    expect(server.to("/logs")).toHaveLength(4); // the first attempt and 3 reconnections
  });

  it("gives up when every connection drops before a new line", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "RUNNING"));
      startSse(hit.res);
      hit.res.write(JOB_STARTED);
      setTimeout(() => hit.res.socket?.destroy(), 5);
    });
    await expect(texts(server.client().logs(ID, { ...FAST, reconnect: { maxReconnects: 2, baseDelayMs: 5 } }))).rejects.toBeInstanceOf(
      ConnectionError,
    );
    expect(server.to("/logs")).toHaveLength(3);
  });

  it("stops with JobNotFoundError when the job disappears during a reconnection", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, JSON.stringify({ error: "Job not found" }), 404);
      startSse(hit.res);
      hit.res.write(`${JOB_STARTED}${logEvent("a")}`);
      setTimeout(() => hit.res.socket?.destroy(), 10);
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const line of server.client().logs(ID, FAST)) seen.push(line.text);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobNotFoundError);
    expect(seen).toEqual(["a"]);
    expect(server.to("/logs")).toHaveLength(1);
  });

  it("backs off the status checks while nothing happens", async () => {
    const checks: number[] = [];
    const started = Date.now();
    server = await startServer((hit) => {
      if (hit.path === JOB) {
        checks.push(Date.now() - started);
        return sendJson(hit.res, jobJson(ID, checks.length >= 4 ? "COMPLETED" : "RUNNING"));
      }
      startSse(hit.res);
      hit.res.write(JOB_STARTED);
    });
    await texts(server.client().logs(ID, { ...FAST, statusCheckMs: 50, maxStatusCheckMs: 200 }));
    expect(checks).toHaveLength(4);
    const gaps = checks.slice(1).map((t, i) => t - (checks[i] ?? 0));
    // 50 → 100 → 200 (capped): each gap at least the window it waited.
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThanOrEqual(190);
    expect(gaps[2]).toBeGreaterThanOrEqual(190);
  });
});

describe("logs() follow without a token", () => {
  it("rejects with MissingTokenError at once, without retrying or sending anything", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { vi } = await import("vitest");
    const { MissingTokenError } = await import("../src/index.js");
    vi.stubEnv("HF_TOKEN", "");
    vi.stubEnv("HUGGING_FACE_HUB_TOKEN", "");
    vi.stubEnv("HF_TOKEN_PATH", join(mkdtempSync(join(tmpdir(), "hf-jobs-notoken-")), "missing-token"));
    try {
      server = await startServer((hit) => sendJson(hit.res, jobJson(ID, "RUNNING")));
      const started = Date.now();
      const error = await texts(server.client({ token: undefined }).logs(ID, FAST)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MissingTokenError);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(server.hits).toHaveLength(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
