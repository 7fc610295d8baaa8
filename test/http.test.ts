/**
 * The transport: error mapping for every status and body shape, the retry policy (what is
 * retried, how long it waits, what is never repeated), timeouts and aborts.
 */
import nock from "nock";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AmbiguousCreateError,
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  HfJobsError,
  InternalServerError,
  JobNotFoundError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestTimeoutError,
  isAbortError,
} from "../src/core/errors.js";
import { errorMessage } from "../src/core/http-errors.js";
import { DEFAULT_RETRY_POLICY, RETRYABLE_STATUSES, backoffMs, retryAfterMs } from "../src/core/retry.js";
import type { JobsClient } from "../src/client.js";
import {
  ENDPOINT,
  JOB_ID,
  JOB_PATH,
  NS,
  Recorder,
  countingFetch,
  guardNetwork,
  jobWire,
  makeClient,
  rejection,
} from "./fixtures/core/helpers.js";

guardNetwork();

afterEach(() => {
  vi.useRealTimers();
});

const RUN_PATH = `/api/jobs/${NS}`;
const runSpec = { image: "python:3.12", command: ["python", "-c", "print(1)"], name: "once" };

/** Runs `promise` under fake timers, advancing the clock until it settles. */
async function settleWithFakeTimers<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => undefined);
  for (let i = 0; i < 10_000 && !done; i++) await vi.advanceTimersByTimeAsync(25);
  return tracked;
}

/** An error as undici's fetch throws it: a TypeError whose cause carries the socket code. */
function undiciError(code: string): TypeError {
  return new TypeError("fetch failed", { cause: Object.assign(new Error(`read ${code}`), { code }) });
}

describe("error mapping", () => {
  const cases: Array<[number, new (...args: never[]) => ApiError, string]> = [
    [400, BadRequestError, "BadRequestError"],
    [401, AuthenticationError, "AuthenticationError"],
    [403, PermissionDeniedError, "PermissionDeniedError"],
    [404, JobNotFoundError, "JobNotFoundError"],
    [409, ConflictError, "ConflictError"],
    [429, RateLimitError, "RateLimitError"],
    [500, InternalServerError, "InternalServerError"],
    [501, InternalServerError, "InternalServerError"],
    [502, InternalServerError, "InternalServerError"],
    [503, InternalServerError, "InternalServerError"],
    [504, InternalServerError, "InternalServerError"],
  ];

  it.each(cases)("maps %i on a job URL to %o", async (status, cls, name) => {
    nock(ENDPOINT).get(JOB_PATH).reply(status, { error: "nope" });
    const error = await rejection(makeClient({ maxRetries: 0 }).inspect(JOB_ID));
    expect(error).toBeInstanceOf(cls);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toBeInstanceOf(HfJobsError);
    expect(error.name).toBe(name);
    const api = error as ApiError;
    expect(api.status).toBe(status);
    expect(api.method).toBe("GET");
    expect(api.url).toBe(`${ENDPOINT}${JOB_PATH}`);
    expect(api.message).toContain("nope");
    expect(api.message).toContain(String(status));
  });

  it("maps an unlisted status to a plain ApiError", async () => {
    nock(ENDPOINT).get(JOB_PATH).reply(418, { error: "teapot" });
    const error = await rejection(makeClient().inspect(JOB_ID));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.constructor).toBe(ApiError);
    expect((error as ApiError).status).toBe(418);
  });

  it.each([
    ["cancel", (c: JobsClient) => c.cancel(JOB_ID), "post", "/cancel"],
    ["setLabels", (c: JobsClient) => c.setLabels(JOB_ID, { a: "b" }), "put", "/labels"],
    ["duplicate", (c: JobsClient) => c.duplicate(JOB_ID), "post", "/duplicate"],
  ] as const)("maps 404 on %s to JobNotFoundError that says to check the id and namespace", async (_n, call, verb, suffix) => {
    const scope = nock(ENDPOINT);
    (verb === "post" ? scope.post(`${JOB_PATH}${suffix}`) : scope.put(`${JOB_PATH}${suffix}`)).reply(404, {
      error: "Job not found",
    });
    const error = await rejection(call(makeClient()));
    expect(error).toBeInstanceOf(JobNotFoundError);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toMatch(/job id/i);
    expect(error.message).toMatch(/namespace/i);
  });

  it.each([
    ["the hardware list", (c: JobsClient) => c.hardware(), "/api/jobs/hardware"],
    ["whoami", (c: JobsClient) => c.whoami(), "/api/whoami-v2"],
    ["a job list", (c: JobsClient) => c.list().toArray(), RUN_PATH],
  ])("maps 404 on %s to NotFoundError, not JobNotFoundError", async (_n, call, path) => {
    nock(ENDPOINT).get(path).reply(404, { error: "Not Found" });
    const error = await rejection(call(makeClient()));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).not.toBeInstanceOf(JobNotFoundError);
  });

  it("reads X-Error-Message and X-Error-Code, which win over the body", async () => {
    nock(ENDPOINT)
      .get(JOB_PATH)
      .reply(400, { error: "from the body" }, { "X-Error-Message": "Invalid stage UPDATING", "X-Error-Code": "InvalidStage" });
    const error = (await rejection(makeClient().inspect(JOB_ID))) as ApiError;
    expect(error.message).toContain("Invalid stage UPDATING");
    expect(error.message).not.toContain("from the body");
    expect(error.code).toBe("InvalidStage");
  });

  it.each([
    ["{error: string}", { error: "Invalid flavor" }, ["Invalid flavor"]],
    ["{error: string[]}", { error: ["first problem", "second problem"] }, ["first problem", "second problem"]],
    ["{error, error_description}", { error: "invalid_token", error_description: "The token expired" }, ["invalid_token", "The token expired"]],
    ["{errors: [{message}]}", { errors: [{ message: "m-one" }, { message: "m-two", path: ["x"] }] }, ["m-one", "m-two"]],
    ["{message}", { message: "Something broke" }, ["Something broke"]],
  ])("reads the message of a %s body", async (_shape, body, parts) => {
    nock(ENDPOINT).get(JOB_PATH).reply(400, body);
    const error = (await rejection(makeClient().inspect(JOB_ID))) as ApiError;
    for (const part of parts) expect(error.message).toContain(part);
    expect(error.code).toBeUndefined();
  });

  it("falls back to a plain-text body, then to the status text", async () => {
    nock(ENDPOINT).get(JOB_PATH).reply(400, "upstream said no", { "content-type": "text/plain" });
    expect((await rejection(makeClient().inspect(JOB_ID))).message).toContain("upstream said no");
    nock(ENDPOINT).get(JOB_PATH).reply(400, "");
    const error = await rejection(makeClient().inspect(JOB_ID));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toMatch(/400 GET \S+: \S/);
  });

  it("keeps the request id of x-request-id, else X-Amzn-Trace-Id or x-amz-cf-id", async () => {
    nock(ENDPOINT).get(JOB_PATH).reply(400, { error: "x" }, { "x-request-id": "Root=1-abc" });
    const first = (await rejection(makeClient().inspect(JOB_ID))) as ApiError;
    expect(first.requestId).toBe("Root=1-abc");
    expect(first.message).toContain("Root=1-abc");
    nock(ENDPOINT).get(JOB_PATH).reply(400, { error: "x" }, { "X-Amzn-Trace-Id": "Root=1-def" });
    expect(((await rejection(makeClient().inspect(JOB_ID))) as ApiError).requestId).toBe("Root=1-def");
    nock(ENDPOINT).get(JOB_PATH).reply(400, { error: "x" }, { "x-amz-cf-id": "cf-123" });
    expect(((await rejection(makeClient().inspect(JOB_ID))) as ApiError).requestId).toBe("cf-123");
  });

  it("gives a 429 its retry-after and does not retry a create on it", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .post(RUN_PATH)
      .reply(rec.reply(429, { error: "Too many requests" }, { "Retry-After": "7" }));
    const error = await rejection(makeClient().run(runSpec));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(7000);
    expect(rec.calls).toHaveLength(1);
  });

  it("gives a 429 whose Retry-After exceeds the longest honoured wait at once, without retrying", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(JOB_PATH)
      .reply(rec.reply(429, { error: "slow down" }, { "Retry-After": "3600" }));
    const error = await rejection(makeClient().inspect(JOB_ID));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(3_600_000);
    expect(rec.calls).toHaveLength(1);
  });

  it("toJSON is a plain summary", async () => {
    nock(ENDPOINT).get(JOB_PATH).reply(409, { error: "busy" }, { "x-error-code": "Busy", "x-request-id": "r1" });
    const error = (await rejection(makeClient().inspect(JOB_ID))) as ApiError;
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: "ConflictError",
      message: error.message,
      status: 409,
      code: "Busy",
      requestId: "r1",
      method: "GET",
      url: `${ENDPOINT}${JOB_PATH}`,
    });
  });

  it("errorMessage handles every body shape directly", () => {
    const res = (headers: Record<string, string> = {}) => new Response(null, { status: 400, statusText: "Bad Request", headers });
    expect(errorMessage(res({ "x-error-message": "hdr" }), '{"error":"body"}')).toBe("hdr");
    expect(errorMessage(res(), '{"error":"e"}')).toBe("e");
    expect(errorMessage(res(), '{"error":["a","b"]}')).toBe("a; b");
    expect(errorMessage(res(), '{"error":"e","error_description":"d"}')).toBe("e: d");
    expect(errorMessage(res(), '{"errors":[{"message":"x"},{"message":"y"}]}')).toBe("x: y");
    expect(errorMessage(res(), '{"message":"m"}')).toBe("m");
    expect(errorMessage(res(), "not json")).toBe("not json");
    expect(errorMessage(res(), "")).toBe("Bad Request");
  });
});

describe("retries of requests that are safe to repeat", () => {
  it("retries a GET on 503 and then succeeds", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(JOB_PATH)
      .reply(rec.reply(503, { error: "busy" }))
      .get(JOB_PATH)
      .reply(rec.reply(200, jobWire()));
    const job = await makeClient().inspect(JOB_ID);
    expect(job.id).toBe(JOB_ID);
    expect(rec.calls).toHaveLength(2);
  });

  it.each([408, 429, 500, 502, 504])("retries a GET on %i", async (status) => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(JOB_PATH)
      .reply(rec.reply(status, ""))
      .get(JOB_PATH)
      .reply(rec.reply(200, jobWire()));
    await makeClient().inspect(JOB_ID);
    expect(rec.calls).toHaveLength(2);
  });

  it.each([400, 401, 403, 404, 409, 422, 501])("does not retry a GET on %i", async (status) => {
    const rec = new Recorder();
    nock(ENDPOINT).get(JOB_PATH).reply(rec.reply(status, { error: "no" }));
    await rejection(makeClient().inspect(JOB_ID));
    expect(rec.calls).toHaveLength(1);
  });

  it("retries the idempotent writes (PUT labels, cancel) on 503", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .put(`${JOB_PATH}/labels`)
      .reply(rec.reply(503, ""))
      .put(`${JOB_PATH}/labels`)
      .reply(rec.reply(200, jobWire({ labels: { a: "b" } })))
      .post(`${JOB_PATH}/cancel`)
      .reply(rec.reply(502, ""))
      .post(`${JOB_PATH}/cancel`)
      .reply(rec.reply(200, jobWire({ status: { stage: "CANCELED" } })));
    const client = makeClient();
    await client.setLabels(JOB_ID, { a: "b" });
    await client.cancel(JOB_ID);
    expect(rec.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `PUT ${JOB_PATH}/labels`,
      `PUT ${JOB_PATH}/labels`,
      `POST ${JOB_PATH}/cancel`,
      `POST ${JOB_PATH}/cancel`,
    ]);
    // The body is sent again, unchanged.
    expect(rec.calls[0]?.body).toBe(rec.calls[1]?.body);
  });

  it("retries a GET after a dropped connection", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(JOB_PATH)
      .replyWithError({ code: "ECONNRESET", message: "socket hang up" })
      .get(JOB_PATH)
      .reply(rec.reply(200, jobWire()));
    const job = await makeClient().inspect(JOB_ID);
    expect(job.id).toBe(JOB_ID);
    expect(rec.calls).toHaveLength(1);
  });

  it("retries a GET after an undici network error and gives a ConnectionError in the end", async () => {
    let calls = 0;
    const fetch: typeof globalThis.fetch = async () => {
      calls++;
      throw undiciError("ECONNRESET");
    };
    const error = await rejection(makeClient({ fetch }).inspect(JOB_ID));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(AmbiguousCreateError);
    expect(error.message).toContain("ECONNRESET");
    expect(calls).toBe(3);
  });

  it("makes 2 retries by default, then throws the last error", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(JOB_PATH)
      .times(3)
      .reply(rec.reply(503, { error: "still busy" }));
    const error = await rejection(makeClient().inspect(JOB_ID));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message).toContain("still busy");
    expect(rec.calls).toHaveLength(3);
    expect(DEFAULT_RETRY_POLICY.maxRetries).toBe(2);
  });

  it.each([0, 1, 4])("honours maxRetries = %i", async (maxRetries) => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(JOB_PATH)
      .times(maxRetries + 1)
      .reply(rec.reply(500, ""));
    await rejection(makeClient({ maxRetries }).inspect(JOB_ID));
    expect(rec.calls).toHaveLength(maxRetries + 1);
  });

  it("waits the Retry-After seconds before retrying", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    vi.setSystemTime(new Date("2026-03-01T12:00:00.000Z"));
    const at: number[] = [];
    nock(ENDPOINT)
      .get(JOB_PATH)
      .reply(() => {
        at.push(Date.now());
        return [503, "", { "Retry-After": "5" }];
      })
      .get(JOB_PATH)
      .reply(() => {
        at.push(Date.now());
        return [200, jobWire()];
      });
    // The default backoff (0.5 s) would retry much sooner.
    const job = await settleWithFakeTimers(makeClient({ retryDelays: {} }).inspect(JOB_ID));
    expect(job.id).toBe(JOB_ID);
    const [first, second] = at;
    expect(second! - first!).toBeGreaterThanOrEqual(5000);
  });

  it("waits until the HTTP date of Retry-After before retrying", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    vi.setSystemTime(new Date("2026-03-01T12:00:00.000Z"));
    const at: number[] = [];
    nock(ENDPOINT)
      .get(JOB_PATH)
      .reply(() => {
        at.push(Date.now());
        return [429, "", { "Retry-After": new Date("2026-03-01T12:00:08.000Z").toUTCString() }];
      })
      .get(JOB_PATH)
      .reply(() => {
        at.push(Date.now());
        return [200, jobWire()];
      });
    await settleWithFakeTimers(makeClient().inspect(JOB_ID));
    expect(at[1]).toBeGreaterThanOrEqual(Date.parse("2026-03-01T12:00:08.000Z"));
  });

  it("backs off between retries when the server gives no Retry-After", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    vi.setSystemTime(new Date("2026-03-01T12:00:00.000Z"));
    const at: number[] = [];
    const answer = (status: number) => () => {
      at.push(Date.now());
      return [status, status === 200 ? jobWire() : ""] as const;
    };
    nock(ENDPOINT).get(JOB_PATH).reply(answer(503)).get(JOB_PATH).reply(answer(503)).get(JOB_PATH).reply(answer(200));
    await settleWithFakeTimers(makeClient({ retryDelays: { baseMs: 1000, maxMs: 10_000 } }).inspect(JOB_ID));
    const [a, b, c] = at;
    // 75-100 % of 1 s, then of 2 s.
    expect(b! - a!).toBeGreaterThanOrEqual(750);
    expect(c! - b!).toBeGreaterThanOrEqual(1500);
  });

  it("an abort during a backoff rejects with an AbortError and sends nothing more", async () => {
    const controller = new AbortController();
    const rec = new Recorder();
    const answer = rec.reply(503, { error: "busy" });
    nock(ENDPOINT)
      .get(JOB_PATH)
      .reply(function (this: nock.ReplyFnContext, uri, body) {
        // Abort shortly after the client got its 503 and went to sleep for a minute.
        setTimeout(() => controller.abort(), 20);
        return answer.call(this, uri, body);
      });
    // A one-minute backoff is longer than the test timeout: only a prompt abort passes.
    const client = makeClient({ retryDelays: { baseMs: 60_000, maxMs: 60_000 } });
    const error = await rejection(client.inspect(JOB_ID, { signal: controller.signal }));
    expect(error.name).toBe("AbortError");
    expect(isAbortError(error)).toBe(true);
    expect(rec.calls).toHaveLength(1);
  });

  it("an abort during a Retry-After wait rejects with the signal's AbortError reason", async () => {
    const controller = new AbortController();
    const reason = new DOMException("stop", "AbortError");
    nock(ENDPOINT)
      .get(JOB_PATH)
      .reply(() => {
        setTimeout(() => controller.abort(reason), 20);
        return [429, "", { "Retry-After": "50" }];
      });
    const error = await rejection(makeClient().inspect(JOB_ID, { signal: controller.signal }));
    expect(error).toBe(reason);
  });

  it("an abort while the response is awaited rejects with an AbortError", async () => {
    const controller = new AbortController();
    nock(ENDPOINT).get(JOB_PATH).delay(10_000).reply(200, jobWire());
    const promise = makeClient().inspect(JOB_ID, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await rejection(promise)).name).toBe("AbortError");
    nock.abortPendingRequests();
  });
});

describe("timeouts", () => {
  it("a request that exceeds the client's timeout fails with RequestTimeoutError", async () => {
    const rec = new Recorder();
    nock(ENDPOINT).get(JOB_PATH).delay(2000).reply(rec.reply(200, jobWire()));
    const error = await rejection(makeClient({ timeoutMs: 30, maxRetries: 0 }).inspect(JOB_ID));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toBeInstanceOf(HfJobsError);
    expect(error.name).toBe("RequestTimeoutError");
    nock.abortPendingRequests();
  });

  it("the per-call timeout overrides the client's", async () => {
    nock(ENDPOINT).get(JOB_PATH).delay(2000).reply(200, jobWire());
    const error = await rejection(makeClient({ timeoutMs: 60_000, maxRetries: 0 }).inspect(JOB_ID, { timeoutMs: 30 }));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    nock.abortPendingRequests();
  });

  it("a GET that timed out is not retried past its deadline: timeoutMs bounds the whole call", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(JOB_PATH)
      .delay(20_000)
      .reply(rec.reply(200, jobWire()))
      .get(JOB_PATH)
      .reply(rec.reply(200, jobWire()));
    const error = await rejection(makeClient({ timeoutMs: 300 }).inspect(JOB_ID));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(rec.calls).toHaveLength(1);
    nock.abortPendingRequests();
    nock.cleanAll();
  });
});

describe("requests that create a job are never repeated once they may have reached the server", () => {
  it("run: sent exactly once on 500", async () => {
    const rec = new Recorder();
    nock(ENDPOINT).post(RUN_PATH).reply(rec.reply(500, { error: "internal" }));
    const error = await rejection(makeClient().run(runSpec));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(rec.calls).toHaveLength(1);
  });

  it.each([502, 503, 504, 408])("run: sent exactly once on %i", async (status) => {
    const rec = new Recorder();
    nock(ENDPOINT).post(RUN_PATH).reply(rec.reply(status, ""));
    await rejection(makeClient().run(runSpec));
    expect(rec.calls).toHaveLength(1);
  });

  it("run: sent exactly once on a dropped connection, with AmbiguousCreateError", async () => {
    const counter = countingFetch();
    nock(ENDPOINT).post(RUN_PATH).replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    const error = await rejection(makeClient({ fetch: counter.fetch }).run(runSpec));
    expect(error).toBeInstanceOf(AmbiguousCreateError);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toBeInstanceOf(HfJobsError);
    expect(error.message).toMatch(/may have been created/);
    expect(error.message).toMatch(/label/);
    expect(error.message).toContain("ECONNRESET");
    expect(counter.count()).toBe(1);
  });

  it("run: sent exactly once on an undici socket error", async () => {
    let calls = 0;
    const fetch: typeof globalThis.fetch = async () => {
      calls++;
      throw undiciError("ECONNRESET");
    };
    const error = await rejection(makeClient({ fetch }).run(runSpec));
    expect(error).toBeInstanceOf(AmbiguousCreateError);
    expect(calls).toBe(1);
  });

  it("run: sent exactly once on a request timeout, with RequestTimeoutError", async () => {
    const counter = countingFetch();
    nock(ENDPOINT).post(RUN_PATH).delay(2000).reply(200, jobWire());
    const error = await rejection(makeClient({ fetch: counter.fetch, timeoutMs: 30 }).run(runSpec));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.message).toMatch(/may have been created/);
    expect(counter.count()).toBe(1);
    nock.abortPendingRequests();
  });

  it("run: retried after ECONNREFUSED, which never reached the server", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .post(RUN_PATH)
      .replyWithError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED" })
      .post(RUN_PATH)
      .reply(rec.reply(200, jobWire()));
    const job = await makeClient().run(runSpec);
    expect(job.id).toBe(JOB_ID);
    expect(rec.calls).toHaveLength(1);
  });

  it("run: a create whose connection is refused every time ends in a ConnectionError, not an ambiguous one", async () => {
    let calls = 0;
    const fetch: typeof globalThis.fetch = async () => {
      calls++;
      throw undiciError("ECONNREFUSED");
    };
    const error = await rejection(makeClient({ fetch }).run(runSpec));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(AmbiguousCreateError);
    expect(calls).toBe(3);
  });

  it("duplicate: sent exactly once on 500 and on a dropped connection", async () => {
    const rec = new Recorder();
    nock(ENDPOINT).post(`${JOB_PATH}/duplicate`).reply(rec.reply(500, ""));
    expect(await rejection(makeClient().duplicate(JOB_ID))).toBeInstanceOf(InternalServerError);
    expect(rec.calls).toHaveLength(1);
    const counter = countingFetch();
    nock(ENDPOINT).post(`${JOB_PATH}/duplicate`).replyWithError({ code: "ECONNRESET" });
    expect(await rejection(makeClient({ fetch: counter.fetch }).duplicate(JOB_ID))).toBeInstanceOf(AmbiguousCreateError);
    expect(counter.count()).toBe(1);
  });
});

describe("retry policy functions", () => {
  const policy = { ...DEFAULT_RETRY_POLICY };

  it("retries exactly 408, 429, 500, 502, 503 and 504", () => {
    expect([...RETRYABLE_STATUSES].sort()).toEqual([408, 429, 500, 502, 503, 504]);
  });

  it("backs off from 0.5 s, doubling, capped at 8 s, with up to 25 % jitter", () => {
    expect(DEFAULT_RETRY_POLICY.baseDelayMs).toBe(500);
    expect(DEFAULT_RETRY_POLICY.maxDelayMs).toBe(8000);
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, () => 0))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(backoffMs(0, policy, () => 1)).toBe(375);
    expect(backoffMs(10, policy, () => 0.999)).toBeGreaterThanOrEqual(6000);
  });

  it("reads Retry-After in seconds, as an HTTP date, retry-after-ms and RateLimit t=", () => {
    const now = Date.parse("2026-03-01T12:00:00.000Z");
    const h = (init: Record<string, string>) => new Headers(init);
    expect(retryAfterMs(h({ "retry-after": "120" }), now)).toBe(120_000);
    expect(retryAfterMs(h({ "retry-after": " 1.5 " }), now)).toBe(1500);
    expect(retryAfterMs(h({ "retry-after": "Sun, 01 Mar 2026 12:00:30 GMT" }), now)).toBe(30_000);
    expect(retryAfterMs(h({ "retry-after": "Sun, 01 Mar 2026 11:00:00 GMT" }), now)).toBe(0);
    expect(retryAfterMs(h({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250);
    expect(retryAfterMs(h({ ratelimit: '"api";r=0;t=42' }), now)).toBe(42_000);
    expect(retryAfterMs(h({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(retryAfterMs(h({}), now)).toBeUndefined();
  });
});

describe("response bodies are read inside the attempt", () => {
  /** A fetch whose responses send their headers, then stall or drop the body, per `bodies`. */
  function bodyFetch(bodies: Array<"stall" | "drop" | string>) {
    let n = 0;
    const fetch = (async () => {
      const kind = bodies[Math.min(n++, bodies.length - 1)] ?? "stall";
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          if (kind === "stall") {
            controller.enqueue(new TextEncoder().encode('{"id":'));
          } else if (kind === "drop") {
            controller.enqueue(new TextEncoder().encode('{"id":'));
            controller.error(new TypeError("terminated", { cause: { code: "UND_ERR_SOCKET", message: "other side closed" } }));
          } else {
            controller.enqueue(new TextEncoder().encode(kind));
            controller.close();
          }
        },
      });
      return new Response(stream, { status: 200, headers: { "content-type": "application/json" } });
    }) as typeof globalThis.fetch;
    return { fetch, count: () => n };
  }

  it("a stalled body makes inspect() time out with RequestTimeoutError instead of hanging", async () => {
    const { fetch, count } = bodyFetch(["stall"]);
    const client = makeClient({ fetch, timeoutMs: 100, maxRetries: 1 });
    const error = await rejection(client.inspect(JOB_ID));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(count()).toBe(1); // the timeout bounds the whole call: no time is left for a retry
  });

  it("a dropped body is a ConnectionError for inspect(), and a retry that gets the body succeeds", async () => {
    const failing = bodyFetch(["drop"]);
    const error = await rejection(makeClient({ fetch: failing.fetch }).inspect(JOB_ID));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toBeInstanceOf(HfJobsError);
    expect(failing.count()).toBe(3);
    const recovering = bodyFetch(["drop", JSON.stringify(jobWire())]);
    const job = await makeClient({ fetch: recovering.fetch }).inspect(JOB_ID);
    expect(job.id).toBe(JOB_ID);
    expect(recovering.count()).toBe(2);
  });

  it("a dropped body makes run() reject with AmbiguousCreateError, sent once", async () => {
    const { fetch, count } = bodyFetch(["drop"]);
    const error = await rejection(makeClient({ fetch }).run({ image: "python:3.12" }));
    expect(error).toBeInstanceOf(AmbiguousCreateError);
    expect(count()).toBe(1);
  });

  it("a stalled body of a create times out with RequestTimeoutError, sent once", async () => {
    const { fetch, count } = bodyFetch(["stall"]);
    const error = await rejection(makeClient({ fetch, timeoutMs: 100 }).run({ image: "python:3.12" }));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.message).toMatch(/may have been created/);
    expect(count()).toBe(1);
  });

  it("list(): a dropped page body is retried like any idempotent request", async () => {
    const { fetch, count } = bodyFetch(["drop", JSON.stringify([jobWire()])]);
    const jobs = await makeClient({ fetch }).list().toArray();
    expect(jobs.map((j) => j.id)).toEqual([JOB_ID]);
    expect(count()).toBe(2);
  });

  it("list(): a stalled page body times out", async () => {
    const { fetch } = bodyFetch(["stall"]);
    const error = await rejection(makeClient({ fetch, timeoutMs: 100, maxRetries: 0 }).list().toArray());
    expect(error).toBeInstanceOf(RequestTimeoutError);
  });
});
