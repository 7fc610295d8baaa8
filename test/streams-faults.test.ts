// Log and metric streams against servers that misbehave the way real ones do: a line that never
// ends, a stall in the middle of an event, bytes trickling in without an event, cuts at any byte of
// a log of identical lines. Every stream ends (by its windows or its signal), memory stays bounded,
// and every line arrives exactly once.
import { afterEach, describe, expect, it } from "vitest";
import { ResponseValidationError } from "../src/index.js";
import type { LogLine, LogsOptions } from "../src/index.js";
import {
  type Hit,
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
const FAST: LogsOptions = {
  statusCheckMs: 50,
  maxStatusCheckMs: 100,
  drainMs: 80,
  idleTimeoutMs: 300,
  deadConnectionMs: 300,
  reconnect: { baseDelayMs: 5, maxDelayMs: 20 },
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

/**
 * Writes `data: xxxx...` without ever a line break, 64 KiB at a time as the socket drains, up to
 * `limit` bytes; resolves with the bytes written when the client has gone.
 */
function endlessLine(hit: Hit, prefix: string, limit: number): Promise<number> {
  startSse(hit.res);
  hit.res.write(prefix);
  const chunk = "x".repeat(64 * 1024);
  let written = 0;
  return new Promise((resolve) => {
    const pump = () => {
      while (!hit.closedByClient && written < limit) {
        written += chunk.length;
        if (!hit.res.write(chunk)) return void hit.res.once("drain", pump);
      }
    };
    hit.clientClosed.then(() => resolve(written));
    pump();
  });
}

describe("a line that never ends", () => {
  it.each([
    ["a snapshot", {}],
    ["a follow", { follow: true }],
  ])("%s ends with a ResponseValidationError after maxLineChars, having read a bounded part", async (_name, extra) => {
    let written: Promise<number> | undefined;
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "RUNNING"));
      written = endlessLine(hit, `${JOB_STARTED}${lines(1, 2)}data: `, 256 * 1024 * 1024);
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const line of server.client().logs(ID, { ...FAST, ...extra, maxLineChars: 512 * 1024 })) seen.push(line.text);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toMatch(/longer than 524288 characters/);
    expect(seen).toEqual(["line 1", "line 2"]);
    expect(server.to("/logs")).toHaveLength(1); // a replay would meet the same line: not retried
    // The client stopped reading soon after the limit, not after the 256 MiB the server had to send.
    expect(await written).toBeLessThan(32 * 1024 * 1024);
  });

  it("the default limit (1 MiB) also ends a metrics stream", async () => {
    let written: Promise<number> | undefined;
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "RUNNING"));
      written = endlessLine(hit, "event: metric\ndata: ", 256 * 1024 * 1024);
    });
    const error = await (async () => {
      for await (const _ of server.client().metrics(ID, { statusCheckMs: 50 })) {
        // no sample ever completes
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toMatch(/longer than 1048576 characters/);
    expect(await written).toBeLessThan(32 * 1024 * 1024);
  });

  it("a line just under maxLineChars passes; the limit is a ValidationError when not a positive integer", async () => {
    const long = "y".repeat(4000);
    server = await startServer((hit) => {
      startSse(hit.res);
      hit.res.end(`${JOB_STARTED}${logEvent(long)}`);
    });
    const client = server.client();
    expect(await texts(client.logs(ID, { ...FAST, maxLineChars: 4100 }))).toEqual([long]);
    await expect(texts(client.logs(ID, { ...FAST, maxLineChars: 3900 }))).rejects.toBeInstanceOf(ResponseValidationError);
    expect(() => client.logs(ID, { maxLineChars: 0 })).toThrow(/maxLineChars/);
    expect(() => client.logs(ID, { maxLineChars: Number.NaN })).toThrow(/maxLineChars/);
  });
});

describe("stalls and trickles", () => {
  it("a stall in the middle of an event: a follow replaces the connection and loses nothing", async () => {
    let stage = "RUNNING";
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, stage));
      startSse(hit.res);
      if (server?.to("/logs").length === 1) {
        hit.res.write(`${JOB_STARTED}${lines(1, 3)}${lines(4, 4).slice(0, 20)}`); // then nothing, ever
        return;
      }
      stage = "COMPLETED";
      hit.res.end(`${JOB_STARTED}${lines(1, 5)}`);
    });
    expect(await texts(server.client().logs(ID, { ...FAST, follow: true }))).toEqual(["line 1", "line 2", "line 3", "line 4", "line 5"]);
    expect(server.to("/logs")[0]?.closedByClient).toBe(true);
  });

  it("a stall in the middle of an event: a snapshot ends on its idle window with the whole lines", async () => {
    server = await startServer((hit) => {
      startSse(hit.res);
      hit.res.write(`${JOB_STARTED}${lines(1, 2)}${lines(3, 3).slice(0, 20)}`);
    });
    expect(await texts(server.client().logs(ID, FAST))).toEqual(["line 1", "line 2"]);
    await server.to("/logs")[0]?.clientClosed;
  });

  /** Sends the events, then one byte of an event that never completes every 10 ms. */
  function trickling(hit: Hit, first: string): void {
    startSse(hit.res);
    hit.res.write(first);
    hit.res.write("data: ");
    const timer = setInterval(() => hit.res.write("z"), 10);
    hit.res.once("close", () => clearInterval(timer));
  }

  it("bytes trickling without an event do not keep a snapshot alive", async () => {
    server = await startServer((hit) => trickling(hit, `${JOB_STARTED}${lines(1, 1)}`));
    expect(await texts(server.client().logs(ID, FAST))).toEqual(["line 1"]);
    await server.to("/logs")[0]?.clientClosed;
  });

  it("bytes trickling without an event do not keep a follow alive once the job has ended", async () => {
    let checks = 0;
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, ++checks >= 2 ? "COMPLETED" : "RUNNING"));
      trickling(hit, `${JOB_STARTED}${lines(1, 1)}`);
    });
    const stream = server.client().logs(ID, { ...FAST, follow: true });
    expect(await texts(stream)).toEqual(["line 1"]);
    expect(stream.job?.status.stage).toBe("COMPLETED");
    expect(server.to("/logs")).toHaveLength(1);
    await server.to("/logs")[0]?.clientClosed;
  });

  it("bytes trickling: the caller's signal ends the stream and closes the connection", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "RUNNING"));
      trickling(hit, `${JOB_STARTED}${lines(1, 1)}`);
    });
    const controller = new AbortController();
    const iterator = server.client().logs(ID, { ...FAST, follow: true, signal: controller.signal })[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.text).toBe("line 1");
    const pending = iterator.next();
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await server.to("/logs")[0]?.clientClosed;
  });
});

describe("500 identical lines cut at arbitrary bytes", () => {
  const SAME = logEvent("same line", "2026-05-12T15:00:00.000Z");
  const LOG = SAME.repeat(500);

  /** Serves the log (or its last `tail` lines); the first connections are cut after `cuts[k]` bytes. */
  function cutServer(cuts: number[]): Promise<TestServer> {
    return startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "COMPLETED"));
      startSse(hit.res);
      const tail = hit.query.get("tail");
      const body = `${JOB_STARTED}${tail === null ? LOG : SAME.repeat(Math.min(500, Number(tail)))}`;
      const k = (server?.to("/logs").length ?? 1) - 1;
      const cut = cuts[k];
      if (cut === undefined) return hit.res.end(body);
      hit.res.write(body.slice(0, cut % body.length));
      setTimeout(() => hit.res.socket?.destroy(), 5);
    });
  }

  it.each([
    [undefined, [1, 700, 5_000, 19_999]],
    [undefined, [44_444, 44_445, 44_500]],
    [100, [150, 3_000, 7]],
    [450, [200, 20_000, 33_333]],
    [1000, [12_345]],
  ])("tail %s, cuts at bytes %j: every line exactly once", async (tail, cuts) => {
    server = await cutServer(cuts);
    const got = await texts(server.client().logs(ID, { ...FAST, follow: true, ...(tail === undefined ? {} : { tail }) }));
    expect(got).toHaveLength(Math.min(tail ?? 500, 500));
    expect(new Set(got)).toEqual(new Set(["same line"]));
    expect(server.to("/logs")).toHaveLength(cuts.length + 1);
  });
});
