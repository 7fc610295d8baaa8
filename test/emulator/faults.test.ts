// Fault injection knobs, each checked for its effect and its budget (`times`).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { StreamReader, api, createJob, dataLines, getJob, spec, start, waitTerminal } from "./helpers.js";

let emu: Emulator;
let call: ReturnType<typeof api>;
let jobsPath: string;

beforeAll(async () => {
  emu = await start({ schedulingDelayMs: 20 });
  call = api(emu);
  jobsPath = `/api/jobs/${emu.namespace}`;
});
afterEach(() => emu.faults.clear());
afterAll(() => emu.close());

describe("status faults", () => {
  it("answers 429 with Retry-After and a real-shaped body for `times` requests, then handles normally", async () => {
    emu.faults.add({ method: "GET", path: "/api/whoami-v2", status: 429, retryAfter: 7, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await call("/api/whoami-v2");
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("7");
      expect(res.headers.get("ratelimit")).toBe('"api";r=0;t=7');
      expect(res.headers.get("ratelimit-policy")).toBeTruthy();
      const body = (await res.json()) as { error: string };
      expect(body.error).toBe("Too Many Requests");
      expect(res.headers.get("x-error-message")).toBe("Too Many Requests");
    }
    expect((await call("/api/whoami-v2")).status).toBe(200);
  });

  it("answers a 503 burst on the chosen route only, before authentication", async () => {
    const remove = emu.faults.add({ path: "/api/jobs/*", method: "POST", status: 503, retryAfter: "Wed, 21 Oct 2099 07:28:00 GMT" });
    const res = await call(jobsPath, { method: "POST", body: spec(["true"]), token: null });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("Wed, 21 Oct 2099 07:28:00 GMT");
    expect(((await res.json()) as { error: string }).error).toBe("Service Unavailable");
    expect((await call(jobsPath, { method: "POST", body: spec(["true"]) })).status).toBe(503);
    expect((await call(jobsPath)).status).toBe(200);
    remove();
    expect((await call(jobsPath, { method: "POST", body: spec(["true"]) })).status).toBe(200);
  });

  it("matches paths with `*` (one segment), `**` (any depth) and RegExp", async () => {
    emu.faults.add({ path: "/api/jobs/*/*/logs", status: 418 });
    const job = await createJob(emu, spec(["true"]));
    expect((await call(`${jobsPath}/${job.id}/logs`)).status).toBe(418);
    expect((await call(`${jobsPath}/${job.id}`)).status).toBe(200);
    emu.faults.clear();
    emu.faults.add({ path: "/api/scheduled-jobs/**", status: 502 });
    expect((await call(`/api/scheduled-jobs/${emu.namespace}/x/y`)).status).toBe(502);
    expect((await call(`/api/scheduled-jobs/${emu.namespace}`)).status).toBe(502);
    emu.faults.clear();
    emu.faults.add({ path: /\/cancel$/, status: 500, times: 1 });
    expect((await call(`${jobsPath}/${job.id}/cancel`, { method: "POST" })).status).toBe(500);
    expect((await call(`${jobsPath}/${job.id}/cancel`, { method: "POST" })).status).toBe(200);
  });
});

describe("latency", () => {
  it("delays the answer by latencyMs", async () => {
    emu.faults.add({ path: "/api/whoami-v2", latencyMs: 300, times: 1 });
    const t0 = Date.now();
    expect((await call("/api/whoami-v2")).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(emu.requests.count({ path: "/api/whoami-v2" })).toBeGreaterThanOrEqual(1);
  });
});

describe("dropAfterHandling", () => {
  it("creates the job, then drops the connection without answering", async () => {
    const before = ((await (await call(jobsPath)).json()) as unknown[]).length;
    emu.faults.add({ method: "POST", path: jobsPath, dropAfterHandling: true, times: 1 });
    await expect(call(jobsPath, { method: "POST", body: spec(["sh", "-c", "echo dropped"], { labels: { dropped: "yes" } }) })).rejects.toThrow();
    const after = (await (await call(`${jobsPath}?label=dropped=yes`)).json()) as { id: string }[];
    expect(after.length).toBe(1);
    expect(((await (await call(jobsPath)).json()) as unknown[]).length).toBe(before + 1);
    expect((await waitTerminal(emu, after[0]?.id ?? "")).status.stage).toBe("COMPLETED");
    // The budget is spent: the next create is answered.
    expect((await call(jobsPath, { method: "POST", body: spec(["true"]) })).status).toBe(200);
  });
});

describe("closeStreamAfterEvents", () => {
  it("cuts a log stream after N data events, mid-body", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "for i in 1 2 3 4 5 6; do echo l$i; done"]));
    await waitTerminal(emu, job.id);
    emu.faults.add({ path: "/api/jobs/*/*/logs", closeStreamAfterEvents: 3, times: 1 });
    const cut = await StreamReader.open(emu, `${jobsPath}/${job.id}/logs`);
    expect(await cut.finished()).toBe("errored");
    expect(dataLines(cut.text).length).toBe(3);
    expect(cut.text.endsWith("\n\n")).toBe(true);
    // The next connection replays everything and ends normally.
    const full = await StreamReader.open(emu, `${jobsPath}/${job.id}/logs`);
    expect(await full.finished()).toBe("ended");
    expect(dataLines(full.text).length).toBe(7);
  });

  it("cuts a metrics stream after N metric events", async () => {
    const metricsEmu = await start({ metricsIntervalMs: 50, faults: [{ path: "**/metrics", closeStreamAfterEvents: 2 }] });
    try {
      const job = await createJob(metricsEmu, spec(["sleep", "30"]));
      await new Promise((r) => setTimeout(r, 50));
      const reader = await StreamReader.open(metricsEmu, `/api/jobs/${metricsEmu.namespace}/${job.id}/metrics`);
      expect(await reader.finished()).toBe("errored");
      expect(reader.text.split("event: metric\n").length - 1).toBe(2);
    } finally {
      await metricsEmu.close();
    }
  });

  it("is not spent by requests it cannot affect", async () => {
    emu.faults.add({ closeStreamAfterEvents: 1, times: 1 });
    const job = await createJob(emu, spec(["sh", "-c", "echo x; echo y"]));
    await waitTerminal(emu, job.id);
    const reader = await StreamReader.open(emu, `${jobsPath}/${job.id}/events`);
    expect(await reader.finished()).toBe("errored");
    expect(dataLines(reader.text).length).toBe(1);
  });
});

describe("stacked rules", () => {
  it("stacked cut rules give successive cuts, one per request, in the order added", async () => {
    const job = await createJob(emu, spec(["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do echo l$i; done"]));
    await waitTerminal(emu, job.id);
    for (const n of [2, 4, 6]) emu.faults.add({ path: "/api/jobs/*/*/logs", closeStreamAfterEvents: n, times: 1 });
    for (const n of [2, 4, 6]) {
      const cut = await StreamReader.open(emu, `${jobsPath}/${job.id}/logs`);
      expect(await cut.finished()).toBe("errored");
      expect(dataLines(cut.text).length).toBe(n);
    }
    const full = await StreamReader.open(emu, `${jobsPath}/${job.id}/logs`);
    expect(await full.finished()).toBe("ended");
    expect(dataLines(full.text).length).toBe(9);
  });

  it("a status rule stacked with a drop rule does not consume it: 429 first, then the drop", async () => {
    emu.faults.add({ method: "POST", path: jobsPath, status: 429, retryAfter: 1, times: 1 });
    emu.faults.add({ method: "POST", path: jobsPath, dropAfterHandling: true, times: 1 });
    const body = spec(["true"], { labels: { stacked: "yes" } });
    expect((await call(jobsPath, { method: "POST", body })).status).toBe(429);
    await expect(call(jobsPath, { method: "POST", body })).rejects.toThrow();
    expect((await call(jobsPath, { method: "POST", body })).status).toBe(200);
    expect(((await (await call(`${jobsPath}?label=stacked=yes`)).json()) as unknown[]).length).toBe(2);
  });

  it("a drop rule added first is not consumed by nor consumes a later status rule on the same request", async () => {
    emu.faults.add({ path: "/api/whoami-v2", dropAfterHandling: true, times: 1 });
    emu.faults.add({ path: "/api/whoami-v2", status: 503, times: 1 });
    await expect(call("/api/whoami-v2")).rejects.toThrow();
    expect((await call("/api/whoami-v2")).status).toBe(503);
    expect((await call("/api/whoami-v2")).status).toBe(200);
  });

  it("latencies of all taken rules add up", async () => {
    emu.faults.add({ path: "/api/whoami-v2", latencyMs: 150, times: 1 });
    emu.faults.add({ path: "/api/whoami-v2", latencyMs: 150, status: 503, times: 1 });
    const t0 = Date.now();
    expect((await call("/api/whoami-v2")).status).toBe(503);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });
});

describe("stuckInScheduling", () => {
  it("keeps a created job in SCHEDULING until it is cancelled", async () => {
    emu.faults.add({ stuckInScheduling: true, times: 1 });
    // Not spent on a route that creates no job.
    expect((await call("/api/whoami-v2")).status).toBe(200);
    const stuck = await createJob(emu, spec(["true"]));
    const normal = await createJob(emu, spec(["true"]));
    expect((await waitTerminal(emu, normal.id)).status.stage).toBe("COMPLETED");
    await new Promise((r) => setTimeout(r, 200));
    expect((await getJob(emu, stuck.id)).status.stage).toBe("SCHEDULING");
    await call(`${jobsPath}/${stuck.id}/cancel`, { method: "POST" });
    expect((await getJob(emu, stuck.id)).status.stage).toBe("CANCELED");
  });

  it("also applies to duplicate", async () => {
    const source = await createJob(emu, spec(["true"]));
    emu.faults.add({ path: "**/duplicate", stuckInScheduling: true });
    const dup = (await (await call(`${jobsPath}/${source.id}/duplicate`, { method: "POST" })).json()) as { id: string };
    await new Promise((r) => setTimeout(r, 150));
    expect((await getJob(emu, dup.id)).status.stage).toBe("SCHEDULING");
    await call(`${jobsPath}/${dup.id}/cancel`, { method: "POST" });
  });
});

describe("request log", () => {
  it("counts requests by method and path, and resets", async () => {
    emu.requests.reset();
    expect(emu.requests.count()).toBe(0);
    await call("/api/whoami-v2");
    await call("/api/whoami-v2", { token: null });
    await call(jobsPath);
    await call(jobsPath, { method: "POST", body: spec(["true"]) });
    expect(emu.requests.count()).toBe(4);
    expect(emu.requests.count({ path: "/api/whoami-v2" })).toBe(2);
    expect(emu.requests.count({ method: "post" })).toBe(1);
    expect(emu.requests.count({ method: "GET", path: /^\/api\/jobs\// })).toBe(1);
    emu.requests.reset();
    expect(emu.requests.count()).toBe(0);
  });

  it("rejects invalid rules", () => {
    expect(() => emu.faults.add({ status: 42 })).toThrow(RangeError);
    expect(() => emu.faults.add({ times: -1 })).toThrow(RangeError);
  });
});
