import { afterEach, describe, expect, it } from "vitest";
import { JOB_STARTED, type TestServer, delay, jobJson, lines, sendJson, startServer, startSse } from "./fixtures/sse/server.js";

const ID = "6a033fe772518a06598ff618";
const JOB = `/api/jobs/ns/${ID}`;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A job that runs forever, whose log gets a line every 20 ms and never closes. */
async function endless(): Promise<TestServer> {
  return startServer((hit) => {
    if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "RUNNING"));
    startSse(hit.res);
    hit.res.write(`${JOB_STARTED}${lines(1, 3)}`);
    let n = 3;
    const timer = setInterval(() => hit.res.write(lines(++n, n)), 20);
    hit.res.once("close", () => clearInterval(timer));
  });
}

const within = <T>(promise: Promise<T>, ms = 2000) =>
  Promise.race([promise, delay(ms).then(() => Promise.reject(new Error(`not within ${ms} ms`)))]);

describe("logs() stopping", () => {
  it("closes the connection on break", async () => {
    server = await endless();
    const seen: string[] = [];
    for await (const line of server.client().logs(ID, { follow: true })) {
      seen.push(line.text);
      if (seen.length === 5) break;
    }
    expect(seen).toEqual(["line 1", "line 2", "line 3", "line 4", "line 5"]);
    await within(server.to("/logs")[0]?.clientClosed ?? Promise.reject(new Error("no request")));
  });

  it("rejects the pending next() with an AbortError and closes the connection on signal.abort()", async () => {
    server = await endless();
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const line of server.client().logs(ID, { follow: true, signal: controller.signal })) {
        seen.push(line.text);
        if (seen.length === 4) setTimeout(() => controller.abort(), 5);
      }
    })();
    const error = await within(run.then(() => undefined, (e: unknown) => e));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("AbortError");
    expect(seen.length).toBeGreaterThanOrEqual(4);
    await within(server.to("/logs")[0]?.clientClosed ?? Promise.reject(new Error("no request")));
  });

  it("aborts a stream waiting on a silent connection at once", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "RUNNING"));
      startSse(hit.res); // and nothing else
    });
    const controller = new AbortController();
    const stream = server.client().logs(ID, { follow: true, signal: controller.signal });
    const next = stream[Symbol.asyncIterator]().next();
    await delay(50);
    controller.abort();
    await expect(within(next, 500)).rejects.toMatchObject({ name: "AbortError" });
    await within(server.to("/logs")[0]?.clientClosed ?? Promise.reject(new Error("no request")));
  });

  it("aborts during the backoff between reconnections", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "RUNNING"));
      sendJson(hit.res, "{}", 503);
    });
    const controller = new AbortController();
    const stream = server.client().logs(ID, { follow: true, signal: controller.signal, reconnect: { baseDelayMs: 60_000 } });
    const next = stream[Symbol.asyncIterator]().next();
    await delay(100); // the first attempt failed; a 60 s backoff is running
    controller.abort();
    await expect(within(next, 500)).rejects.toMatchObject({ name: "AbortError" });
    expect(server.to("/logs")).toHaveLength(1);
  });

  it("rejects at once, without a request, when the signal is already aborted", async () => {
    server = await endless();
    const stream = server.client().logs(ID, { signal: AbortSignal.abort() });
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ name: "AbortError" });
    expect(server.hits).toHaveLength(0);
  });

  it("close() ends a pending next() as done and closes the connection", async () => {
    server = await startServer((hit) => {
      if (hit.path === JOB) return sendJson(hit.res, jobJson(ID, "RUNNING"));
      startSse(hit.res);
    });
    const stream = server.client().logs(ID, { follow: true });
    const next = stream[Symbol.asyncIterator]().next();
    await delay(50);
    await stream.close();
    expect(await within(next, 500)).toEqual({ done: true, value: undefined });
    await within(server.to("/logs")[0]?.clientClosed ?? Promise.reject(new Error("no request")));
    expect(await stream[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
  });

  it("keeps memory flat: a slow consumer holds back the server instead of buffering the log", async () => {
    // 20 MB of log offered at once; the consumer reads a little and stops.
    const chunk = lines(1, 2000);
    let written = 0;
    let blocked = false;
    server = await startServer((hit) => {
      startSse(hit.res);
      const pump = () => {
        while (written < 20e6) {
          written += chunk.length;
          if (!hit.res.write(chunk)) {
            blocked = true;
            hit.res.once("drain", pump);
            return;
          }
        }
        hit.res.end();
      };
      pump();
    });
    let count = 0;
    for await (const _ of server.client().logs(ID)) {
      if (++count === 10) await delay(300); // a pause: the socket buffers fill up
      if (count === 20) break;
    }
    expect(blocked).toBe(true);
    expect(written).toBeLessThan(20e6); // the server was held back, not drained into memory
    await within(server.to("/logs")[0]?.clientClosed ?? Promise.reject(new Error("no request")));
  });
});
