// Wire fidelity of the JSON routes, checked with plain fetch.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestLog } from "../../src/emulator/faults.js";
import type { Emulator } from "../../src/emulator/index.js";
import { FLAVOR_NAMES, HardwareWire, JobWire, WhoamiWire } from "../../src/wire/schemas.js";
import { api, createJob, spec, start, waitTerminal } from "./helpers.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const HEX24 = /^[0-9a-f]{24}$/;

let emu: Emulator;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  emu = await start({ namespace: "alice", extraNamespaces: ["acme"], token: "hf_test_token" });
  call = api(emu);
});
afterAll(() => emu.close());

async function expectError(res: Response, status: number, message?: RegExp): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.headers.get("x-request-id")).toBeTruthy();
  const body = (await res.json()) as { error: unknown };
  expect(typeof body.error).toBe("string");
  expect(res.headers.get("x-error-message")).toBe(body.error);
  if (message) expect(body.error).toMatch(message);
}

describe("authentication and namespaces", () => {
  it("answers 401 with an error body without a token, with a wrong token, or with a non-Bearer scheme", async () => {
    await expectError(await call("/api/jobs/alice", { token: null }), 401, /Invalid credentials/);
    await expectError(await call("/api/jobs/alice", { token: "hf_wrong" }), 401);
    await expectError(await call("/api/whoami-v2", { token: null, headers: { Authorization: "Basic aGZfdGVzdF90b2tlbg==" } }), 401);
    await expectError(await call("/api/scheduled-jobs/alice", { token: "hf_test_tokenX" }), 401);
  });

  it("serves GET /api/jobs/hardware without a token", async () => {
    const res = await call("/api/jobs/hardware", { token: null });
    expect(res.status).toBe(200);
  });

  it("answers whoami-v2 with the namespace as a user and the extra namespaces as orgs", async () => {
    const res = await call("/api/whoami-v2");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const parsed = WhoamiWire.parse(body);
    expect(parsed.name).toBe("alice");
    expect(parsed.type).toBe("user");
    expect(parsed.orgs?.map((o) => o.name)).toEqual(["acme"]);
    expect(JSON.stringify(body)).not.toContain("hf_test_token");
  });

  it("answers 403 for a namespace the token may not use, and accepts an org namespace", async () => {
    await expectError(await call("/api/jobs/mallory"), 403, /mallory/);
    await expectError(await call("/api/jobs/mallory", { method: "POST", body: spec(["true"]) }), 403);
    const job = (await (await call("/api/jobs/acme", { method: "POST", body: spec(["true"]) })).json()) as { owner: { name: string; type: string } };
    expect(job.owner).toMatchObject({ name: "acme", type: "org" });
  });

  it("sets X-Request-Id on every response", async () => {
    for (const res of [await call("/api/jobs/hardware"), await call("/nope"), await call("/api/jobs/alice", { token: null })]) {
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      await res.arrayBuffer();
    }
  });

  it("answers 404 naming what is not emulated for unknown routes, and 405 for a wrong method", async () => {
    await expectError(await call("/api/nothing-here"), 404, /^GET \/api\/nothing-here is not emulated by @org\/hf-jobs emulator/);
    // What the Python client calls to upload a local uv script, with or without a token.
    for (const token of [undefined, null]) {
      const upload = await call("/api/buckets/alice/jobs-artifacts", { method: "POST", body: {}, ...(token === null ? { token } : {}) });
      await expectError(upload, 404, /^POST \/api\/buckets\/alice\/jobs-artifacts is not emulated by @org\/hf-jobs emulator/);
    }
    const res = await call("/api/jobs/hardware", { method: "DELETE" });
    expect(res.headers.get("allow")).toContain("GET");
    await expectError(res, 405);
  });
});

describe("Host header (DNS rebinding)", () => {
  /** A raw request, since fetch does not let a caller set Host. */
  function rawGet(path: string, host: string): Promise<{ status: number; body: string; link: string | undefined }> {
    const { hostname, port } = new URL(emu.url);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${emu.token}`, Host: host };
      const req = request({ hostname, port, path, headers }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, link: res.headers.link?.toString() }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  it("refuses a Host that is not a loopback name or the bound address, and never puts it in a Link URL", async () => {
    const evil = await rawGet("/api/whoami-v2", "attacker.example:8080");
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toEqual({ error: expect.stringMatching(/Host header not allowed/) });
    expect(evil.body).not.toContain("attacker.example");
    expect((await rawGet("/api/jobs/hardware", "rebind.attacker.example")).status).toBe(403);
    for (const host of ["localhost:1234", "LOCALHOST", "127.0.0.1", "127.9.8.7:80", "[::1]:5"]) {
      expect((await rawGet("/api/whoami-v2", host)).status, host).toBe(200);
    }
  });

  it("answers the names listed in allowedHosts, and builds Link URLs from them", async () => {
    const named = await start({ allowedHosts: ["Dev-Box.lan"], pageSize: 1 });
    try {
      await createJob(named, spec(["true"]));
      await createJob(named, spec(["true"]));
      const { hostname, port } = new URL(named.url);
      const res = await new Promise<{ status: number; link: string | undefined }>((resolve, reject) => {
        const req = request(
          { hostname, port, path: `/api/jobs/${named.namespace}`, headers: { Host: `dev-box.lan:${port}`, Authorization: `Bearer ${named.token}` } },
          (r) => {
            r.resume();
            r.on("end", () => resolve({ status: r.statusCode ?? 0, link: r.headers.link?.toString() }));
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(res.status).toBe(200);
      expect(res.link).toMatch(new RegExp(`^<http://dev-box\\.lan:${port}/api/jobs/`));
    } finally {
      await named.close();
    }
    await expect(start({ allowedHosts: ["bad host/"] })).rejects.toThrow(/allowedHosts/);
  });
});

describe("request log", () => {
  it("stays bounded under many unauthenticated requests to distinct paths", async () => {
    const log = new RequestLog(100);
    for (let i = 0; i < 20_000; i++) log.record("GET", `/api/jobs/alice/${i}-${"x".repeat(2000)}`);
    expect(log.size).toBe(100);
    // The most recent paths are still counted, cut at 512 characters; the oldest are forgotten.
    expect(log.count({ path: /^\/api\/jobs\/alice\/19999-x+$/ })).toBe(1);
    expect(log.count({ path: new RegExp(`^/api/jobs/alice/19999-x{${512 - "/api/jobs/alice/19999-".length}}$`) })).toBe(1);
    expect(log.count({ path: /^\/api\/jobs\/alice\/0-/ })).toBe(0);
    expect(log.count({ method: "GET" })).toBe(100);
    const bounded = await start();
    try {
      const unauth = api(bounded);
      for (let i = 0; i < 300; i++) await (await unauth(`/api/jobs/${bounded.namespace}/${"y".repeat(3000)}-${i}`, { token: null })).arrayBuffer();
      expect(bounded.requests.count({ path: `/api/jobs/${bounded.namespace}/*` })).toBe(300);
    } finally {
      await bounded.close();
    }
  });
});

describe("hardware", () => {
  it("lists every flavor with camelCase fields and per-minute prices", async () => {
    const res = await call("/api/jobs/hardware");
    const list = (await res.json()) as Record<string, unknown>[];
    expect(list.map((h) => h.name)).toEqual([...FLAVOR_NAMES]);
    for (const entry of list) {
      HardwareWire.parse(entry);
      expect(entry.unitLabel).toBe("minute");
      expect(Number.isInteger(entry.unitCostMicroUSD)).toBe(true);
      expect(entry.unitCostUSD).toBeCloseTo((entry.unitCostMicroUSD as number) / 1e6, 12);
    }
    const basic = list.find((h) => h.name === "cpu-basic");
    expect(basic).toEqual({
      name: "cpu-basic",
      prettyName: "CPU Basic",
      cpu: "2 vCPU",
      ram: "16 GB",
      ephemeralStorage: "50 GB",
      accelerator: null,
      unitCostMicroUSD: 167,
      unitCostUSD: 0.000167,
      unitLabel: "minute",
    });
    const a10g = list.find((h) => h.name === "a10g-largex2");
    expect(a10g?.accelerator).toEqual({ type: "gpu", model: "A10G", quantity: "2", vram: "48 GB", manufacturer: "Nvidia" });
    // $3.00/h = 0.05 $/min = 50000 micro-USD.
    expect(a10g?.unitCostMicroUSD).toBe(50_000);
  });
});

describe("jobs", () => {
  it("returns a full Job on create, with secrets as names only", async () => {
    const res = await call("/api/jobs/alice", {
      method: "POST",
      body: spec(["sh", "-c", "exit 0"], {
        environment: { PLAIN: "visible" },
        secrets: { HF_TOKEN: "hf_super_secret_value" },
        labels: { name: "hello", team: "ml" },
        timeoutSeconds: 600,
        expose: { ports: [8000, 8001] },
        ssh: { enabled: true },
        volumes: [{ type: "dataset", source: "org/ds", mountPath: "/data", readOnly: true }],
      }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("hf_super_secret_value");
    const job = JSON.parse(text) as Record<string, unknown>;
    JobWire.parse(job);
    expect(job.id).toMatch(HEX24);
    expect(job.type).toBe("job");
    expect(job.createdAt).toMatch(ISO);
    expect(job).not.toHaveProperty("startedAt");
    expect(job.dockerImage).toBe("python:3.12");
    expect(job.spaceId).toBeNull();
    expect(job.command).toEqual(["sh", "-c", "exit 0"]);
    expect(job.arguments).toEqual([]);
    expect(job.environment).toEqual({ PLAIN: "visible" });
    expect(job.secrets).toEqual(["HF_TOKEN"]);
    expect(job.flavor).toBe("cpu-basic");
    expect(job.timeoutSeconds).toBe(600);
    expect(job.labels).toEqual({ name: "hello", team: "ml" });
    expect(job.volumes).toEqual([{ type: "dataset", source: "org/ds", mountPath: "/data", readOnly: true }]);
    expect(job.durations).toEqual({ totalSecs: 0 });
    const status = job.status as Record<string, unknown>;
    expect(status.stage).toBe("SCHEDULING");
    expect(status.message).toBeNull();
    expect(status.failureCount).toBe(0);
    expect(status.exposeUrls).toEqual([`https://${job.id}--8000.hf.jobs`, `https://${job.id}--8001.hf.jobs`]);
    expect(status.sshUrl).toBe(`ssh://${job.id}@ssh.hf.jobs`);
    expect(job.owner).toMatchObject({ name: "alice", type: "user" });
    expect((job.owner as { id: string }).id).toMatch(HEX24);
    expect(job.createdBy).toMatchObject({ name: "alice" });
    expect(job.initiator).toMatchObject({ type: "user", name: "alice" });

    const done = await waitTerminal(emu, job.id as string);
    const again = JSON.stringify(done);
    expect(again).not.toContain("hf_super_secret_value");
    expect(done.status.stage).toBe("COMPLETED");
    expect(done.startedAt).toMatch(ISO);
    expect(done.finishedAt).toMatch(ISO);
    const durations = done.durations as Record<string, number>;
    for (const key of ["schedulingSecs", "runningSecs", "totalSecs"]) expect(Number.isInteger(durations[key])).toBe(true);
    const listed = await (await call("/api/jobs/alice")).text();
    expect(listed).not.toContain("hf_super_secret_value");
  });

  it("accepts a spaceId instead of a dockerImage", async () => {
    const { dockerImage: _d, ...rest } = spec(["true"]);
    const job = await createJob(emu, { ...rest, spaceId: "lhoestq/duckdb" });
    expect(job.spaceId).toBe("lhoestq/duckdb");
    expect(job.dockerImage).toBeNull();
  });

  it("answers 400 with an error body for invalid bodies", async () => {
    const bad: unknown[] = [
      "{not json",
      { command: ["true"], flavor: "cpu-basic" },
      { ...spec(["true"]), spaceId: "a/b" },
      spec(["true"], { flavor: "quantum-xl" }),
      spec(["true"], { command: "true" }),
      spec(["true"], { timeoutSeconds: -5 }),
      spec(["true"], { environment: { "A=B": "x" } }),
      spec(["true"], { labels: { "bad key": "x" } }),
      spec(["true"], { expose: { ports: [70000] } }),
      [1, 2],
    ];
    for (const body of bad) {
      await expectError(await call("/api/jobs/alice", { method: "POST", body }), 400);
    }
  });

  it("answers 404 with the job-not-found body for unknown ids, valid-looking or not", async () => {
    const ids = ["0123456789abcdef01234567", "not-a-job-id"];
    for (const id of ids) {
      await expectError(await call(`/api/jobs/alice/${id}`), 404, /^Job not found$/);
      await expectError(await call(`/api/jobs/alice/${id}/cancel`, { method: "POST" }), 404, /^Job not found$/);
      await expectError(await call(`/api/jobs/alice/${id}/labels`, { method: "PUT", body: { labels: {} } }), 404, /^Job not found$/);
      await expectError(await call(`/api/jobs/alice/${id}/duplicate`, { method: "POST" }), 404, /^Job not found$/);
      await expectError(await call(`/api/jobs/alice/${id}/logs`), 404, /^Job not found$/);
      await expectError(await call(`/api/jobs/alice/${id}/metrics`), 404, /^Job not found$/);
      await expectError(await call(`/api/jobs/alice/${id}/events`), 404, /^Job not found$/);
    }
    // A job of another namespace is not found through this one.
    const job = await createJob(emu, spec(["true"]));
    await expectError(await call(`/api/jobs/acme/${job.id}`), 404, /^Job not found$/);
  });

  it("replaces labels with PUT .../labels and returns the Job", async () => {
    const job = await createJob(emu, spec(["true"], { labels: { a: "1", b: "2" } }));
    const res = await call(`/api/jobs/alice/${job.id}/labels`, { method: "PUT", body: { labels: { c: "3" } } });
    expect(res.status).toBe(200);
    const updated = (await res.json()) as Record<string, unknown>;
    JobWire.parse(updated);
    expect(updated.labels).toEqual({ c: "3" });
    await expectError(await call(`/api/jobs/alice/${job.id}/labels`, { method: "PUT", body: { nope: {} } }), 400);
    await expectError(await call(`/api/jobs/alice/${job.id}/labels`, { method: "PUT", body: { labels: { k: "white space" } } }), 400);
  });

  it("duplicates a job with initiator duplicated-job", async () => {
    const source = await createJob(emu, spec(["sh", "-c", "echo dup"], { secrets: { S: "v" }, labels: { x: "y" } }));
    const res = await call(`/api/jobs/alice/${source.id}/duplicate`, { method: "POST" });
    expect(res.status).toBe(200);
    const dup = (await res.json()) as Record<string, unknown>;
    JobWire.parse(dup);
    expect(dup.id).not.toBe(source.id);
    expect(dup.id).toMatch(HEX24);
    expect(dup.command).toEqual(["sh", "-c", "echo dup"]);
    expect(dup.secrets).toEqual(["S"]);
    expect(dup.labels).toEqual({ x: "y" });
    expect(dup.initiator).toEqual({ type: "duplicated-job", id: source.id });
    expect((await waitTerminal(emu, dup.id as string)).status.stage).toBe("COMPLETED");
  });

  it("returns the Job from cancel", async () => {
    const job = await createJob(emu, spec(["sleep", "30"]));
    const res = await call(`/api/jobs/alice/${job.id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    const canceled = (await res.json()) as { status: { stage: string }; finishedAt: string };
    expect(canceled.status.stage).toBe("CANCELED");
    expect(canceled.finishedAt).toMatch(ISO);
  });
});

describe("job list", () => {
  let listEmu: Emulator;
  let listCall: ReturnType<typeof api>;
  const ids: string[] = [];

  beforeAll(async () => {
    listEmu = await start({ pageSize: 2, schedulingDelayMs: 60_000 });
    listCall = api(listEmu);
    for (let i = 0; i < 5; i++) ids.push((await createJob(listEmu, spec(["true"], { labels: { batch: "b1", idx: String(i) } }))).id);
    await createJob(listEmu, spec(["true"], { labels: { batch: "b2" } }));
  });
  afterAll(() => listEmu.close());

  it("pages with absolute Link URLs that keep the filters, newest first", async () => {
    const seen: string[] = [];
    const pages: number[] = [];
    let url: string | undefined = `${listEmu.url}/api/jobs/${listEmu.namespace}?label=batch=b1`;
    while (url) {
      const res: Response = await listCall(url);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { id: string }[];
      pages.push(page.length);
      seen.push(...page.map((j) => j.id));
      const link = res.headers.get("link");
      if (!link) break;
      const match = /^<([^>]+)>; rel="next"$/.exec(link);
      expect(match).not.toBeNull();
      url = match?.[1];
      expect(url?.startsWith(`${listEmu.url}/api/jobs/${listEmu.namespace}?`)).toBe(true);
      expect(new URL(url ?? "").searchParams.getAll("label")).toEqual(["batch=b1"]);
    }
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual([...ids].reverse());
  });

  it("filters by repeated stage and label parameters (AND)", async () => {
    const both = (await (await listCall(`/api/jobs/${listEmu.namespace}?label=batch=b1&label=idx=3`)).json()) as { id: string }[];
    expect(both.map((j) => j.id)).toEqual([ids[3]]);
    await listCall(`/api/jobs/${listEmu.namespace}/${ids[0]}/cancel`, { method: "POST" });
    const canceled = (await (await listCall(`/api/jobs/${listEmu.namespace}?stage=CANCELED`)).json()) as { id: string }[];
    expect(canceled.map((j) => j.id)).toEqual([ids[0]]);
    const res = await listCall(`/api/jobs/${listEmu.namespace}?stage=CANCELED&stage=COMPLETED&label=batch=b1`);
    expect(((await res.json()) as unknown[]).length).toBe(1);
    const scheduling = (await (await listCall(`/api/jobs/${listEmu.namespace}?stage=SCHEDULING&stage=RUNNING&label=batch=b2`)).json()) as unknown[];
    expect(scheduling.length).toBe(1);
  });

  it("matches label filters on the job's own labels only (no Object.prototype keys)", async () => {
    for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const res = (await (await listCall(`/api/jobs/${listEmu.namespace}?label=${key}`)).json()) as unknown[];
      expect(res, key).toEqual([]);
    }
    const job = await createJob(listEmu, spec(["true"], { labels: { constructor: "yes" } }));
    const found = (await (await listCall(`/api/jobs/${listEmu.namespace}?label=constructor`)).json()) as { id: string }[];
    expect(found.map((j) => j.id)).toEqual([job.id]);
    const byValue = (await (await listCall(`/api/jobs/${listEmu.namespace}?label=constructor=yes`)).json()) as { id: string }[];
    expect(byValue.map((j) => j.id)).toEqual([job.id]);
  });

  it("answers 400 for an unknown or lower-case stage", async () => {
    await expectError(await listCall(`/api/jobs/${listEmu.namespace}?stage=UPDATING`), 400, /stage/);
    await expectError(await listCall(`/api/jobs/${listEmu.namespace}?stage=running`), 400, /stage/);
  });
});
