/**
 * JobsClient against nock: the exact method, path, query, headers and body of every endpoint of
 * the core, job references, namespaces and the whoami single flight.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JobsClient } from "../src/client.js";
import { HfJobsError, InternalServerError, MissingTokenError, ValidationError } from "../src/core/errors.js";
import { VERSION } from "../src/version.js";
import {
  type Captured,
  ENDPOINT,
  JOB_ID,
  JOB_PATH,
  NS,
  Recorder,
  TOKEN,
  countingFetch,
  fixture,
  guardNetwork,
  jobWire,
  makeClient,
  rejection,
} from "./fixtures/core/helpers.js";

guardNetwork();

afterEach(() => {
  vi.unstubAllEnvs();
});

function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  if (pkg === null || typeof pkg !== "object" || !("version" in pkg) || typeof pkg.version !== "string") {
    throw new Error("package.json has no version");
  }
  return pkg.version;
}

/** Headers every authenticated request carries. */
function expectStandardHeaders(call: Captured, { auth = true }: { auth?: boolean } = {}): void {
  if (auth) expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
  else expect(call.headers.authorization).toBeUndefined();
  expect(call.headers["user-agent"]).toContain(`@org/hf-jobs/${VERSION}`);
  expect(call.headers.accept).toBe("application/json");
}

function expectNoBody(call: Captured): void {
  expect(call.body).toBe("");
  expect(call.headers["content-type"]).toBeUndefined();
}

function jsonBody(call: Captured): unknown {
  expect(call.headers["content-type"]).toBe("application/json");
  return JSON.parse(call.body) as unknown;
}

function sha8(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 8);
}

describe("version", () => {
  it("VERSION equals the version of package.json", () => {
    expect(VERSION).toBe(packageVersion());
  });

  it("the user-agent names the package and its version", async () => {
    const rec = new Recorder();
    nock(ENDPOINT).get(JOB_PATH).reply(rec.reply(200, jobWire()));
    await makeClient().inspect(JOB_ID);
    expect(rec.only().headers["user-agent"]).toMatch(new RegExp(`^@org/hf-jobs/${packageVersion().replace(/\./g, "\\.")}\\b`));
  });
});

describe("run", () => {
  it("sends the reference body of `hf jobs run --name hello python:3.12 python -c \"print(1)\"` (§4.1)", async () => {
    const rec = new Recorder();
    nock(ENDPOINT).post(`/api/jobs/${NS}`).reply(rec.reply(200, jobWire()));
    const job = await makeClient().run({ name: "hello", image: "python:3.12", command: ["python", "-c", "print(1)"] });
    const call = rec.only();
    expect(call.method).toBe("POST");
    expect(call.path).toBe(`/api/jobs/${NS}`);
    expectStandardHeaders(call);
    expect(jsonBody(call)).toStrictEqual(fixture("run-body-hello.json"));
    expect(job.id).toBe(JOB_ID);
    expect(job.name).toBe("hello");
  });

  it("always sends arguments [] and environment {}, flavor cpu-basic by default and a default name label", async () => {
    const rec = new Recorder();
    nock(ENDPOINT).post(`/api/jobs/${NS}`).reply(rec.reply(200, jobWire()));
    await makeClient().run({ image: "python:3.12", command: ["python", "-c", "print(1)"] });
    expect(jsonBody(rec.only())).toStrictEqual({
      dockerImage: "python:3.12",
      command: ["python", "-c", "print(1)"],
      arguments: [],
      environment: {},
      flavor: "cpu-basic",
      labels: { name: `python-3-12-${sha8("python:3.12", "python", "-c", "print(1)")}` },
    });
  });

  it("sends every optional field in its wire form", async () => {
    const rec = new Recorder();
    nock(ENDPOINT).post("/api/jobs/my-org").reply(rec.reply(200, jobWire({ owner: { name: "my-org" } })));
    const job = await makeClient().run({
      namespace: "my-org",
      image: "hf.co/spaces/lhoestq/duckdb",
      command: ["python", "serve.py"],
      args: ["--port", "8000"],
      flavor: "a10g-small",
      env: { MODE: "serve" },
      secrets: { HF_TOKEN: "hf_SecretValueAbCdEfGhIjKlMnOpQrStUv99" },
      timeout: "1.5h",
      name: "serve",
      labels: { team: "ml" },
      volumes: [
        { type: "dataset", source: "org/ds", mountPath: "/data", readOnly: true, revision: "main", path: "subdir" },
        { type: "bucket", source: "org/b", mountPath: "/out" },
      ],
      expose: [8000, 8001],
      ssh: true,
      arch: "arm64",
      attempts: 3,
      resourceGroupId: "rg-123",
    });
    const call = rec.only();
    expect(call.path).toBe("/api/jobs/my-org");
    expect(jsonBody(call)).toStrictEqual({
      spaceId: "lhoestq/duckdb",
      command: ["python", "serve.py"],
      arguments: ["--port", "8000"],
      environment: { MODE: "serve" },
      flavor: "a10g-small",
      secrets: { HF_TOKEN: "hf_SecretValueAbCdEfGhIjKlMnOpQrStUv99" },
      timeoutSeconds: 5400,
      labels: { team: "ml", name: "serve" },
      volumes: [
        { type: "dataset", source: "org/ds", mountPath: "/data", readOnly: true, revision: "main", path: "subdir" },
        { type: "bucket", source: "org/b", mountPath: "/out" },
      ],
      expose: { ports: [8000, 8001] },
      ssh: { enabled: true },
      arch: "arm64",
      attempts: 3,
      resourceGroupId: "rg-123",
    });
    expect(job.namespace).toBe("my-org");
  });

  it.each([
    "https://huggingface.co/spaces/lhoestq/duckdb",
    "https://hf.co/spaces/lhoestq/duckdb",
    "huggingface.co/spaces/lhoestq/duckdb",
    "hf.co/spaces/lhoestq/duckdb",
  ])("sends the Space image %s as spaceId", async (image) => {
    const rec = new Recorder();
    nock(ENDPOINT).post(`/api/jobs/${NS}`).reply(rec.reply(200, jobWire({ dockerImage: null, spaceId: "lhoestq/duckdb" })));
    const job = await makeClient().run({ image, command: ["python", "app.py"] });
    const body = jsonBody(rec.only());
    expect(body).toMatchObject({ spaceId: "lhoestq/duckdb" });
    expect(body).not.toHaveProperty("dockerImage");
    expect(job.image).toEqual({ type: "space", spaceId: "lhoestq/duckdb" });
  });

  it("omits ssh when false, expose when empty and the timeout when 0", async () => {
    const rec = new Recorder();
    nock(ENDPOINT).post(`/api/jobs/${NS}`).reply(rec.reply(200, jobWire()));
    await makeClient().run({ image: "python:3.12", name: "x", ssh: false, expose: [], timeout: 0, secrets: {}, volumes: [] });
    expect(jsonBody(rec.only())).toStrictEqual({
      dockerImage: "python:3.12",
      command: [],
      arguments: [],
      environment: {},
      flavor: "cpu-basic",
      labels: { name: "x" },
    });
  });

  it("uses the token owner's name as namespace when none is given", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get("/api/whoami-v2")
      .reply(rec.reply(200, { name: "bob", type: "user" }))
      .post("/api/jobs/bob")
      .reply(rec.reply(200, jobWire({ owner: { name: "bob" } })));
    const job = await makeClient({ namespace: undefined }).run({ image: "python:3.12", name: "x" });
    expect(rec.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /api/whoami-v2", "POST /api/jobs/bob"]);
    expect(job.url).toBe(`${ENDPOINT}/jobs/bob/${JOB_ID}`);
  });
});

describe("inspect", () => {
  it("GETs the job and returns it with its page URL", async () => {
    const rec = new Recorder();
    nock(ENDPOINT).get(JOB_PATH).reply(rec.reply(200, jobWire()));
    const job = await makeClient().inspect(JOB_ID);
    const call = rec.only();
    expect(call.method).toBe("GET");
    expect(call.path).toBe(JOB_PATH);
    expectStandardHeaders(call);
    expectNoBody(call);
    expect(job.url).toBe(`${ENDPOINT}/jobs/${NS}/${JOB_ID}`);
    expect(job.status.stage).toBe("RUNNING");
  });
});

describe("cancel", () => {
  it("POSTs /cancel without a body and returns the Job of the response", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .post(`${JOB_PATH}/cancel`)
      .reply(rec.reply(200, jobWire({ status: { stage: "CANCELED", message: null } })));
    const job = await makeClient().cancel(JOB_ID);
    const call = rec.only();
    expect(call.method).toBe("POST");
    expect(call.path).toBe(`${JOB_PATH}/cancel`);
    expectStandardHeaders(call);
    expectNoBody(call);
    expect(job.status.stage).toBe("CANCELED");
  });

  it.each([
    ["an empty body", ""],
    ["an empty object", {}],
  ])("falls back to inspecting the job when the response has %s", async (_label, body) => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .post(`${JOB_PATH}/cancel`)
      .reply(rec.reply(200, body))
      .get(JOB_PATH)
      .reply(rec.reply(200, jobWire({ status: { stage: "CANCELED", message: null } })));
    const job = await makeClient().cancel(JOB_ID);
    expect(rec.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`POST ${JOB_PATH}/cancel`, `GET ${JOB_PATH}`]);
    expect(job.status.stage).toBe("CANCELED");
  });
});

describe("setLabels", () => {
  it("PUTs {labels} and returns the updated job", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .put(`${JOB_PATH}/labels`)
      .reply(rec.reply(200, jobWire({ labels: { env: "prod", team: "ml" } })));
    const job = await makeClient().setLabels(JOB_ID, { env: "prod", team: "ml" });
    const call = rec.only();
    expect(call.method).toBe("PUT");
    expect(call.path).toBe(`${JOB_PATH}/labels`);
    expectStandardHeaders(call);
    expect(jsonBody(call)).toStrictEqual({ labels: { env: "prod", team: "ml" } });
    expect(job.labels).toEqual({ env: "prod", team: "ml" });
    expect(job.name).toBeUndefined();
  });
});

describe("duplicate", () => {
  it("POSTs /duplicate without a body and returns the new job", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .post(`${JOB_PATH}/duplicate`)
      .reply(
        rec.reply(
          200,
          jobWire({
            id: "6a033fe772518a06598ff618",
            status: { stage: "SCHEDULING", message: null },
            initiator: { type: "duplicated-job", id: JOB_ID },
          }),
        ),
      );
    const job = await makeClient().duplicate(JOB_ID);
    const call = rec.only();
    expect(call.method).toBe("POST");
    expect(call.path).toBe(`${JOB_PATH}/duplicate`);
    expectStandardHeaders(call);
    expectNoBody(call);
    expect(job.id).toBe("6a033fe772518a06598ff618");
    expect(job.initiator).toEqual({ type: "duplicated-job", id: JOB_ID });
  });
});

describe("hardware", () => {
  it("GETs /api/jobs/hardware and computes the hourly price (§16.5)", async () => {
    const rec = new Recorder();
    nock(ENDPOINT).get("/api/jobs/hardware").reply(rec.reply(200, [fixture("hardware-cpu-basic.json")]));
    const [entry, ...rest] = await makeClient().hardware();
    const call = rec.only();
    expect(call.method).toBe("GET");
    expect(call.path).toBe("/api/jobs/hardware");
    expectStandardHeaders(call, { auth: false });
    expect(rest).toEqual([]);
    expect(entry?.name).toBe("cpu-basic");
    expect(entry?.pricePerHourUsd).toBeCloseTo(0.000167 * 60, 12);
  });

  it("works with no token at all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hf-jobs-notoken-"));
    vi.stubEnv("HF_TOKEN", "");
    vi.stubEnv("HUGGING_FACE_HUB_TOKEN", "");
    vi.stubEnv("HF_TOKEN_PATH", join(dir, "missing-token"));
    const rec = new Recorder();
    nock(ENDPOINT).get("/api/jobs/hardware").reply(rec.reply(200, [fixture("hardware-cpu-basic.json")]));
    const client = new JobsClient({ endpoint: ENDPOINT });
    const list = await client.hardware();
    expect(list).toHaveLength(1);
    expect(rec.only().headers.authorization).toBeUndefined();
  });
});

describe("whoami", () => {
  it("GETs /api/whoami-v2 with the token", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get("/api/whoami-v2")
      .reply(rec.reply(200, { name: "bob", type: "user", fullname: "Bob", orgs: [{ name: "acme", extra: 1 }], unknown: true }));
    const me = await makeClient().whoami();
    const call = rec.only();
    expect(call.method).toBe("GET");
    expect(call.path).toBe("/api/whoami-v2");
    expectStandardHeaders(call);
    expect(me).toEqual({ name: "bob", type: "user", fullname: "Bob", orgs: ["acme"] });
  });
});

describe("job references and namespaces", () => {
  type Method = (client: JobsClient, ref: string, namespace?: string) => Promise<unknown>;
  const methods: Array<[string, Method, "GET" | "POST" | "PUT", string]> = [
    ["inspect", (c, r, namespace) => c.inspect(r, { namespace }), "GET", ""],
    ["cancel", (c, r, namespace) => c.cancel(r, { namespace }), "POST", "/cancel"],
    ["setLabels", (c, r, namespace) => c.setLabels(r, { a: "b" }, { namespace }), "PUT", "/labels"],
    ["duplicate", (c, r, namespace) => c.duplicate(r, { namespace }), "POST", "/duplicate"],
  ];

  function intercept(method: "GET" | "POST" | "PUT", path: string, rec: Recorder): void {
    const scope = nock(ENDPOINT);
    const answer = rec.reply(200, jobWire({ owner: { name: "bob" } }));
    if (method === "GET") scope.get(path).reply(answer);
    else if (method === "POST") scope.post(path).reply(answer);
    else scope.put(path).reply(answer);
  }

  it.each(methods)("%s accepts namespace/jobId without asking whoami", async (_name, call, method, suffix) => {
    const rec = new Recorder();
    intercept(method, `/api/jobs/bob/${JOB_ID}${suffix}`, rec);
    // No default namespace: a whoami request would be unmatched and fail the test.
    await call(makeClient({ namespace: undefined }), `bob/${JOB_ID}`);
    expect(rec.only().path).toBe(`/api/jobs/bob/${JOB_ID}${suffix}`);
  });

  it.each(methods)("%s takes a per-call namespace over the client's", async (_name, call, method, suffix) => {
    const rec = new Recorder();
    intercept(method, `/api/jobs/bob/${JOB_ID}${suffix}`, rec);
    await call(makeClient(), JOB_ID, "bob");
    expect(rec.only().path).toBe(`/api/jobs/bob/${JOB_ID}${suffix}`);
  });

  it("a namespace in the reference wins over the per-call option", async () => {
    const rec = new Recorder();
    intercept("GET", `/api/jobs/bob/${JOB_ID}`, rec);
    await makeClient().inspect(`bob/${JOB_ID}`, { namespace: "carol" });
    expect(rec.only().path).toBe(`/api/jobs/bob/${JOB_ID}`);
  });

  it("run and list take a per-call namespace", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .post("/api/jobs/bob")
      .reply(rec.reply(200, jobWire()))
      .get("/api/jobs/bob")
      .reply(rec.reply(200, []));
    await makeClient().run({ image: "python:3.12", name: "x", namespace: "bob" });
    await makeClient().list({ namespace: "bob" }).toArray();
    expect(rec.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["POST /api/jobs/bob", "GET /api/jobs/bob"]);
  });

  it.each(["a/b/c", "/abc", "ns/", "", "ns/has space", "ns/ü"])("rejects the reference %j before any request", async (ref) => {
    const error = await rejection(makeClient().inspect(ref));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("job");
  });

  it("fetches whoami once for 10 parallel calls and caches it", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get("/api/whoami-v2")
      .once()
      .reply(rec.reply(200, { name: "bob" }))
      .get(`/api/jobs/bob/${JOB_ID}`)
      .times(11)
      .reply(rec.reply(200, jobWire({ owner: { name: "bob" } })));
    const client = makeClient({ namespace: undefined });
    const jobs = await Promise.all(Array.from({ length: 10 }, () => client.inspect(JOB_ID)));
    expect(jobs.map((j) => j.namespace)).toEqual(Array(10).fill("bob"));
    await client.inspect(JOB_ID);
    expect(rec.calls.filter((c) => c.path === "/api/whoami-v2")).toHaveLength(1);
    expect(rec.calls).toHaveLength(12);
  });

  it("does not cache a whoami failure", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get("/api/whoami-v2")
      .reply(rec.reply(500, { error: "boom" }))
      .get("/api/whoami-v2")
      .reply(rec.reply(200, { name: "bob" }))
      .get(`/api/jobs/bob/${JOB_ID}`)
      .reply(rec.reply(200, jobWire({ owner: { name: "bob" } })));
    const client = makeClient({ namespace: undefined, maxRetries: 0 });
    const failures = await Promise.allSettled(Array.from({ length: 5 }, () => client.inspect(JOB_ID)));
    for (const failure of failures) {
      expect(failure.status).toBe("rejected");
      if (failure.status === "rejected") expect(failure.reason).toBeInstanceOf(InternalServerError);
    }
    const job = await client.inspect(JOB_ID);
    expect(job.namespace).toBe("bob");
    expect(rec.calls.map((c) => c.path)).toEqual(["/api/whoami-v2", "/api/whoami-v2", `/api/jobs/bob/${JOB_ID}`]);
  });
});

describe("missing token", () => {
  function clientWithoutToken(namespace?: string) {
    const dir = mkdtempSync(join(tmpdir(), "hf-jobs-notoken-"));
    vi.stubEnv("HF_TOKEN", "");
    vi.stubEnv("HUGGING_FACE_HUB_TOKEN", "");
    vi.stubEnv("HF_TOKEN_PATH", join(dir, "missing-token"));
    const counter = countingFetch();
    return { client: new JobsClient({ endpoint: ENDPOINT, namespace, fetch: counter.fetch }), counter };
  }

  it("constructing a client without a token does not throw", () => {
    expect(() => clientWithoutToken()).not.toThrow();
  });

  it.each([
    ["run", (c: JobsClient) => c.run({ image: "python:3.12" })],
    ["inspect", (c: JobsClient) => c.inspect(JOB_ID)],
    ["cancel", (c: JobsClient) => c.cancel(JOB_ID)],
    ["setLabels", (c: JobsClient) => c.setLabels(JOB_ID, {})],
    ["duplicate", (c: JobsClient) => c.duplicate(JOB_ID)],
    ["list", (c: JobsClient) => c.list().toArray()],
    ["whoami", (c: JobsClient) => c.whoami()],
  ])("%s rejects with MissingTokenError and sends nothing", async (_name, call) => {
    for (const namespace of [undefined, NS]) {
      const { client, counter } = clientWithoutToken(namespace);
      const error = await rejection(call(client));
      expect(error).toBeInstanceOf(MissingTokenError);
      expect(error).toBeInstanceOf(HfJobsError);
      expect(error.message).toMatch(/HF_TOKEN/);
      expect(counter.count()).toBe(0);
    }
  });
});

describe("abort signals", () => {
  const calls: Array<[string, (c: JobsClient, signal: AbortSignal) => Promise<unknown>]> = [
    ["run", (c, signal) => c.run({ image: "python:3.12" }, { signal })],
    ["inspect", (c, signal) => c.inspect(JOB_ID, { signal })],
    ["cancel", (c, signal) => c.cancel(JOB_ID, { signal })],
    ["setLabels", (c, signal) => c.setLabels(JOB_ID, {}, { signal })],
    ["duplicate", (c, signal) => c.duplicate(JOB_ID, { signal })],
    ["list", (c, signal) => c.list({ signal }).toArray()],
    ["hardware", (c, signal) => c.hardware({ signal })],
  ];

  it.each(calls)("%s rejects with an AbortError and sends nothing when the signal is already aborted", async (_n, call) => {
    const counter = countingFetch();
    const client = makeClient({ fetch: counter.fetch });
    const error = await rejection(call(client, AbortSignal.abort()));
    expect(error.name).toBe("AbortError");
    expect(counter.count()).toBe(0);
  });

  it.each([
    ["whoami", (c: JobsClient, signal: AbortSignal) => c.whoami({ signal })],
    ["inspect without a namespace", (c: JobsClient, signal: AbortSignal) => c.inspect(JOB_ID, { signal })],
  ])("%s does not even ask whoami when the signal is already aborted", async (_name, call) => {
    const counter = countingFetch();
    const client = makeClient({ namespace: undefined, fetch: counter.fetch });
    const error = await rejection(call(client, AbortSignal.abort()));
    expect(error.name).toBe("AbortError");
    // A request started in the background would have been counted by now.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(counter.count()).toBe(0);
  });

  it("an abort while whoami is in flight rejects that caller only", async () => {
    const controller = new AbortController();
    const rec = new Recorder();
    nock(ENDPOINT)
      .get("/api/whoami-v2")
      .delay(50)
      .reply(rec.reply(200, { name: "bob" }))
      .get(`/api/jobs/bob/${JOB_ID}`)
      .reply(rec.reply(200, jobWire({ owner: { name: "bob" } })));
    const client = makeClient({ namespace: undefined });
    const aborted = client.inspect(JOB_ID, { signal: controller.signal });
    const other = client.inspect(JOB_ID);
    controller.abort();
    expect((await rejection(aborted)).name).toBe("AbortError");
    expect((await other).namespace).toBe("bob");
    expect(rec.calls.map((c) => c.path)).toEqual(["/api/whoami-v2", `/api/jobs/bob/${JOB_ID}`]);
  });
});

describe("injectable fetch", () => {
  it("sends every request through the given fetch", async () => {
    const seen: string[] = [];
    const fake: typeof globalThis.fetch = async (input) => {
      const request = input instanceof Request ? input : new Request(input);
      seen.push(`${request.method} ${request.url} ${request.headers.get("authorization")}`);
      return new Response(JSON.stringify(jobWire()), { status: 200, headers: { "content-type": "application/json" } });
    };
    const job = await makeClient({ fetch: fake }).inspect(JOB_ID);
    expect(job.id).toBe(JOB_ID);
    expect(seen).toEqual([`GET ${ENDPOINT}${JOB_PATH} Bearer ${TOKEN}`]);
  });
});

describe("timeoutMs validation", () => {
  it.each([0, -1, 2 ** 31, Number.NaN, Number.POSITIVE_INFINITY])("rejects timeoutMs %s with a ValidationError", async (timeoutMs) => {
    expect(() => makeClient({ timeoutMs })).toThrow(ValidationError);
    const counter = countingFetch();
    const error = await rejection(makeClient({ fetch: counter.fetch }).inspect(JOB_ID, { timeoutMs }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(counter.count()).toBe(0);
  });
});
