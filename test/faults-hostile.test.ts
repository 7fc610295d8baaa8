/**
 * The client against servers that behave badly the way real ones do: bodies that stall, trickle
 * or break off, answers of hundreds of MB, redirect loops, redirects to another host, and error
 * pages that echo the request. Every call ends within its timeout (plus one backoff) or its
 * signal, memory stays bounded, and nothing secret is printed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { JobsClient, type JobsClientOptions } from "../src/client.js";
import {
  ApiError,
  BadRequestError,
  InternalServerError,
  PaginationError,
  RequestTimeoutError,
  ResponseTooLargeError,
  ResponseValidationError,
  isAbortError,
  isUnclearCreate,
} from "../src/core/errors.js";
import { JOB_ID, jobWire } from "./fixtures/core/helpers.js";
import { type HostileServer, cut, hostileServer, json, oversized, stall, trickle } from "./fixtures/faults/servers.js";

const NS = "alice";
const TOKEN = "hf_HostileTestTokenAbCdEfGhIjKlMnOpQr";
const TIMEOUT_MS = 400;
/** Generous bound on how long a call may take past its timeout: never a speed check. */
const SLACK_MS = 2500;

const servers: HostileServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof hostileServer>[0]): Promise<HostileServer> {
  const server = await hostileServer(handler);
  servers.push(server);
  return server;
}

function client(server: HostileServer, options: JobsClientOptions = {}): JobsClient {
  return new JobsClient({
    endpoint: server.url,
    token: TOKEN,
    namespace: NS,
    timeoutMs: TIMEOUT_MS,
    maxRetries: 0,
    retryDelays: { baseMs: 10, maxMs: 20 },
    ...options,
  });
}

/** Runs `call`, returning what it rejected with and how long it took. */
async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error("expected the call to fail");
}

/** The JSON list calls that must share one body path, with a valid answer for each. */
const calls = {
  inspect: { call: (c: JobsClient) => c.inspect(JOB_ID), ok: () => jobWire() },
  list: { call: (c: JobsClient) => c.list().toArray(), ok: () => [jobWire()] },
  cancel: { call: (c: JobsClient) => c.cancel(JOB_ID), ok: () => jobWire({ status: { stage: "CANCELED" } }) },
  "scheduled.list": { call: (c: JobsClient) => c.scheduled.list(), ok: () => [] },
} as const;

describe("a 2xx body that stalls, trickles or breaks off: every JSON call alike", () => {
  for (const [name, { call, ok }] of Object.entries(calls)) {
    it(`${name}: a stalled body ends in a RequestTimeoutError within the timeout`, async () => {
      const server = await serve((_req, res) => stall(res, 200, '[{"id":'));
      const { error, ms } = await failure(() => call(client(server)));
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    });

    it(`${name}: a trickling body ends in a RequestTimeoutError within the timeout`, async () => {
      const server = await serve((_req, res) => trickle(res, 200, " ", 30));
      const { error, ms } = await failure(() => call(client(server)));
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    });

    it(`${name}: a body cut mid-way is retried, and the retry succeeds`, async () => {
      const server = await serve((_req, res, _seen, index) => {
        if (index === 0) cut(res, 200, '[{"id":"68');
        else json(res, 200, ok());
      });
      await call(client(server, { maxRetries: 2 }));
      expect(server.requests).toHaveLength(2);
    });
  }

  it("timeoutMs bounds the whole call: retries allowed, a stalled server still costs one timeout", async () => {
    const server = await serve((_req, res) => stall(res, 200, "["));
    const { error, ms } = await failure(() => client(server, { maxRetries: 2 }).list().toArray());
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(server.requests).toHaveLength(1);
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it("timeoutMs bounds the whole call: no retry starts when its backoff would end past the deadline", async () => {
    // Fast 503s: without the deadline, 5 retries with 1-8 s backoffs would take about 15 s.
    const server = await serve((_req, res) => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end('{"error":"busy"}');
    });
    const { error, ms } = await failure(() =>
      client(server, { maxRetries: 5, retryDelays: { baseMs: 1000, maxMs: 8000 } }).inspect(JOB_ID),
    );
    expect(error).toBeInstanceOf(InternalServerError);
    expect(server.requests.length).toBeGreaterThanOrEqual(1);
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it("the caller's signal ends a stalled body at once", async () => {
    const server = await serve((_req, res) => stall(res, 200, "{"));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const { error, ms } = await failure(() => client(server, { timeoutMs: 60_000 }).inspect(JOB_ID, { signal: controller.signal }));
    expect(isAbortError(error)).toBe(true);
    expect(ms).toBeLessThan(SLACK_MS);
  });
});

describe("an error answer whose body stalls or trickles", () => {
  it("ends within the timeout with the status's typed error", async () => {
    const server = await serve((_req, res) => stall(res, 400, '{"error":"bad'));
    const { error, ms } = await failure(() => client(server).inspect(JOB_ID));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it("a trickle that never ends does not hold the call past the timeout", async () => {
    const server = await serve((_req, res) => trickle(res, 403, "x", 20));
    const { error, ms } = await failure(() => client(server).list().toArray());
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(403);
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it("a stalled error body of a create: the typed error, sent once", async () => {
    const server = await serve((_req, res) => stall(res, 422, '{"detail":'));
    const { error } = await failure(() => client(server).run({ image: "python:3.12" }));
    expect(error).toBeInstanceOf(ApiError);
    expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("the caller's signal ends it at once, even with a long timeout", async () => {
    const server = await serve((_req, res) => trickle(res, 500, "x", 50));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { error, ms } = await failure(() =>
      client(server, { timeoutMs: 60_000 }).run({ image: "python:3.12" }, { signal: controller.signal }),
    );
    expect(isAbortError(error)).toBe(true);
    expect(ms).toBeLessThan(SLACK_MS);
  });
});

describe("oversized answers: reading stops at the cap", () => {
  const HUGE = 300 * 1024 * 1024;

  it("a 300 MB JSON answer ends in a ResponseTooLargeError long before the server is done", async () => {
    let sent: { written: () => number } | undefined;
    const server = await serve((_req, res) => {
      sent = oversized(res, 200, HUGE);
    });
    const { error } = await failure(() => client(server, { timeoutMs: 20_000, maxResponseBytes: 1024 * 1024 }).inspect(JOB_ID));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect((error as ResponseTooLargeError).limitBytes).toBe(1024 * 1024);
    // The server wrote what socket buffers hold past the cap, not the 300 MB.
    expect(sent?.written()).toBeLessThan(64 * 1024 * 1024);
  });

  it("a declared content-length above the cap fails before reading", async () => {
    let sent: { written: () => number } | undefined;
    const server = await serve((_req, res) => {
      sent = oversized(res, 200, HUGE, { declareLength: true });
    });
    const { error } = await failure(() => client(server, { timeoutMs: 20_000 }).list().toArray());
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(sent?.written()).toBeLessThan(64 * 1024 * 1024);
  });

  it("a 300 MB error body is read up to a small cap; the error keeps a short message", async () => {
    let sent: { written: () => number } | undefined;
    const server = await serve((_req, res) => {
      sent = oversized(res, 400, HUGE);
    });
    const { error } = await failure(() => client(server, { timeoutMs: 20_000 }).inspect(JOB_ID));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as Error).message.length).toBeLessThan(1000);
    expect(sent?.written()).toBeLessThan(64 * 1024 * 1024);
  });

  it("a create answered with an oversized 2xx may have created the job", async () => {
    const server = await serve((_req, res) => void oversized(res, 200, 4 * 1024 * 1024));
    const { error } = await failure(() => client(server, { maxResponseBytes: 64 * 1024 }).run({ image: "python:3.12" }));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(isUnclearCreate(error)).toBe(true);
  });
});

describe("redirects", () => {
  it("a 307 loop on run: exactly one POST, an ApiError, and no doubt about a job", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(307, { location: `/api/jobs/${NS}` });
      res.end();
    });
    const { error } = await failure(() => client(server, { maxRetries: 3 }).run({ image: "python:3.12" }));
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(307);
    expect(isUnclearCreate(error)).toBe(false);
    expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("a 307 of run to another origin: that origin receives nothing, secrets included", async () => {
    const other = await serve((_req, res) => json(res, 200, jobWire()));
    const server = await serve((_req, res) => {
      res.writeHead(307, { location: `${other.url}/api/jobs/${NS}` });
      res.end();
    });
    const { error } = await failure(() => client(server).run({ image: "python:3.12", secrets: { API_KEY: "s3cr3t-value-1234" } }));
    expect(error).toBeInstanceOf(ApiError);
    expect(other.requests).toHaveLength(0);
    expect(server.requests).toHaveLength(1);
  });

  it("a GET redirected to another origin is refused: the token never leaves", async () => {
    const other = await serve((_req, res) => json(res, 200, jobWire()));
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: `${other.url}/api/jobs/${NS}/${JOB_ID}` });
      res.end();
    });
    const { error } = await failure(() => client(server).inspect(JOB_ID));
    expect(error).toBeInstanceOf(ApiError);
    expect((error as Error).message).toContain(other.url);
    expect(other.requests).toHaveLength(0);
  });

  it("a GET redirected within the endpoint's origin is followed, with the token", async () => {
    const server = await serve((req, res) => {
      if (req.url?.startsWith("/old/")) {
        res.writeHead(301, { location: `/api/jobs/${NS}/${JOB_ID}` });
        res.end();
      } else {
        json(res, 200, jobWire());
      }
    });
    const c = new JobsClient({ endpoint: server.url, token: TOKEN, namespace: NS, timeoutMs: TIMEOUT_MS });
    const job = await c.inspect(`${NS}/${JOB_ID}`);
    expect(job.id).toBe(JOB_ID);
    // A redirect to a same-origin path works; a same-origin loop ends in a typed error.
    const looping = await serve((_req, res) => {
      res.writeHead(302, { location: "/again" });
      res.end();
    });
    const { error } = await failure(() => client(looping).inspect(JOB_ID));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("ConnectionError");
    expect(looping.requests.length).toBeLessThanOrEqual(7);
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });
});

describe("pagination against a server that never ends a list", () => {
  it("endless empty pages with fresh cursors end in a PaginationError", async () => {
    const server = await serve((req, res) => {
      const n = Number(new URL(req.url ?? "/", "http://x").searchParams.get("c") ?? 0);
      json(res, 200, [], { link: `<${"/api/jobs/alice"}?c=${n + 1}>; rel="next"` });
    });
    const { error } = await failure(() => client(server).list().toArray());
    expect(error).toBeInstanceOf(PaginationError);
    expect(server.requests.length).toBeLessThanOrEqual(10);
  });

  it.each(["file:///etc/passwd", "http://[::1"])("a malformed Link (%s) is a PaginationError", async (link) => {
    const server = await serve((_req, res) => json(res, 200, [jobWire()], { link: `<${link}>; rel="next"` }));
    const { error } = await failure(() => client(server).list().toArray());
    expect(error).toBeInstanceOf(PaginationError);
    expect(server.requests).toHaveLength(1);
  });

  it("a Link to another origin carrying the token: no Authorization sent there, and the token never printed", async () => {
    const plainToken = "plain-enterprise-token-0000-1111";
    const other = await serve((_req, res) => json(res, 500, { error: "boom" }));
    const server = await serve((_req, res) =>
      json(res, 200, [jobWire()], { link: `<${other.url}/page2?token=${plainToken}>; rel="next"` }),
    );
    const { error } = await failure(() => client(server, { token: plainToken }).list().toArray());
    expect(error).toBeInstanceOf(ApiError);
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    expect(String(error)).not.toContain(plainToken);
    expect(JSON.stringify(error)).not.toContain(plainToken);
  });

  it("the same Link answered with a body that is not JSON: the ResponseValidationError hides the token too", async () => {
    const plainToken = "plain-enterprise-token-2222-3333";
    const other = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>login</html>");
    });
    const server = await serve((_req, res) =>
      json(res, 200, [jobWire()], { link: `<${other.url}/page2?token=${plainToken}>; rel="next"` }),
    );
    const { error } = await failure(() => client(server, { token: plainToken }).list().toArray());
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(String(error)).not.toContain(plainToken);
  });
});

describe("a server that keeps processing after the client has gone", () => {
  it("a create that times out may have created the job, and is sent once", async () => {
    const created: string[] = [];
    const server = await serve(async (_req, res) => {
      // Commits the job 600 ms later, whether or not the client is still there.
      await new Promise((resolve) => setTimeout(resolve, 600));
      created.push(JOB_ID);
      json(res, 200, jobWire());
    });
    const { error } = await failure(() => client(server, { timeoutMs: 200, maxRetries: 3 }).run({ image: "python:3.12" }));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(isUnclearCreate(error)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(created).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
  });
});
