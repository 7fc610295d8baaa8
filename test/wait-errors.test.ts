/** Permanent errors end a wait instead of being polled forever (missing token, unparseable answers). */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { JobsClient, MissingTokenError, ResponseValidationError, ValidationError } from "../src/index.js";

const A = "aaaaaaaaaaaaaaaaaaaaaaaa";
const B = "bbbbbbbbbbbbbbbbbbbbbbbb";

/** A client whose every request is answered by `answer`; `count()` is the number of requests. */
function service(answer: () => unknown, options: { token?: string } = { token: "hf_test_token" }) {
  let n = 0;
  const fetch = (async () => {
    n++;
    return new Response(JSON.stringify(answer()), { status: 200, headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  const client = new JobsClient({ endpoint: "http://127.0.0.1:1", token: options.token, namespace: "ns", maxRetries: 0, fetch });
  return { client, count: () => n };
}

function withoutToken() {
  const dir = mkdtempSync(join(tmpdir(), "hf-jobs-notoken-"));
  vi.stubEnv("HF_TOKEN", "");
  vi.stubEnv("HUGGING_FACE_HUB_TOKEN", "");
  vi.stubEnv("HF_TOKEN_PATH", join(dir, "missing-token"));
  return service(() => ({}), {});
}

/** Advances fake time by `ms`, then says how the promise ended (or that it is still pending). */
async function outcome(promise: Promise<unknown>, ms = 600_000): Promise<{ error?: unknown; pending?: true }> {
  let result: { error?: unknown; pending?: true } = { pending: true };
  promise.then(
    () => {
      result = {};
    },
    (error: unknown) => {
      result = { error };
    },
  );
  // Real I/O (reading the token file, loading the HTTP module on the first request) runs between
  // the steps of fake time; on a loaded machine it can outlast 100 steps, so stepping goes on while
  // the promise is pending, for up to 10 s of real time (`performance` is not faked).
  const started = performance.now();
  for (let step = 0; result.pending && (step < 100 || performance.now() - started < 10_000); step++) {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(ms / 100);
  }
  return result;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe("waits end on permanent errors", () => {
  it("wait() without a token rejects with MissingTokenError and sends nothing", async () => {
    const { client, count } = withoutToken();
    const { error, pending } = await outcome(client.wait(A));
    expect(pending).toBeUndefined();
    expect(error).toBeInstanceOf(MissingTokenError);
    expect(count()).toBe(0);
  });

  it("waitAll() without a token rejects with MissingTokenError, for ids and for a selector", async () => {
    const ids = withoutToken();
    expect((await outcome(ids.client.waitAll([A, B]))).error).toBeInstanceOf(MissingTokenError);
    const selector = withoutToken();
    expect((await outcome(selector.client.waitAll({ labels: { team: "ml" } }))).error).toBeInstanceOf(MissingTokenError);
    expect(ids.count() + selector.count()).toBe(0);
  });

  it("wait() throws a ResponseValidationError on the third consecutive unparseable answer", async () => {
    const { client, count } = service(() => ({ not: "a job" }));
    const { error } = await outcome(client.wait(A));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(count()).toBe(3);
  });

  it("waitAll() with a selector throws a ResponseValidationError after three unparseable pages", async () => {
    const { client, count } = service(() => ({ not: "a list" }));
    const { error } = await outcome(client.waitAll({ labels: { team: "ml" } }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(count()).toBe(3);
  });

  it("an unparseable answer between good ones is tolerated", async () => {
    let n = 0;
    const job = (stage: string) => ({ id: A, createdAt: "2026-05-12T14:57:00.000Z", status: { stage }, owner: { name: "ns" } });
    const answers = [job("RUNNING"), {}, {}, job("RUNNING"), {}, job("COMPLETED")];
    const { client } = service(() => answers[n++] ?? job("COMPLETED"));
    const { error, pending } = await outcome(client.wait(A));
    expect(error).toBeUndefined();
    expect(pending).toBeUndefined();
    expect(n).toBe(6);
  });
});

describe("selector checks", () => {
  it("waitAll() and waitAny() reject an empty label selector with a ValidationError, sending nothing", async () => {
    const { client, count } = service(() => []);
    await expect(client.waitAll({ labels: {} })).rejects.toBeInstanceOf(ValidationError);
    await expect(client.waitAny({ labels: {} })).rejects.toBeInstanceOf(ValidationError);
    expect(count()).toBe(0);
  });
});
