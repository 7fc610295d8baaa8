import nock from "nock";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { JobsClient } from "../src/client.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => { nock.cleanAll(); vi.useRealTimers(); });

describe("exp", () => {
  it("replyWithError", async () => {
    nock("https://hf.test").post("/api/jobs/ns").replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    const c = new JobsClient({ endpoint: "https://hf.test", token: "hf_abcdefghijklmnopqrstuvwxyz1234", namespace: "ns" });
    const e = await c.run({ image: "python:3.12" }).catch((x: unknown) => x);
    console.log("ERR", e);
  });
  it("refused", async () => {
    nock("https://hf.test").post("/api/jobs/ns").replyWithError({ code: "ECONNREFUSED" }).post("/api/jobs/ns").reply(200, {id:"x", createdAt:"2020", status:{stage:"RUNNING"}});
    const c = new JobsClient({ endpoint: "https://hf.test", token: "hf_abcdefghijklmnopqrstuvwxyz1234", namespace: "ns", retryDelays:{baseMs:1,maxMs:2} });
    const e = await c.run({ image: "python:3.12" }).catch((x: unknown) => x);
    console.log("REFUSED", e);
  });
  it("nomatch", async () => {
    const seen: string[] = [];
    nock.emitter.on("no match", (r: unknown) => { seen.push(String((r as {href?: string}).href ?? (r as {url?:string}).url ?? r)); });
    const c = new JobsClient({ endpoint: "https://hf.test", token: "hf_abcdefghijklmnopqrstuvwxyz1234", namespace: "ns", maxRetries: 0 });
    const e = await c.inspect("abc").catch((x: unknown) => x);
    console.log("NOMATCH", e, seen);
  });
  it("delay", async () => {
    nock("https://hf.test").get("/api/jobs/ns/abc").delay(500).reply(200, {});
    const c = new JobsClient({ endpoint: "https://hf.test", token: "hf_abcdefghijklmnopqrstuvwxyz1234", namespace: "ns", maxRetries: 0, timeoutMs: 50 });
    const e = await c.inspect("abc").catch((x: unknown) => x);
    console.log("DELAY", e);
  });
  it("fake timers", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
    const scope = nock("https://hf.test").get("/api/jobs/ns/abc").reply(503, "", { "retry-after": "5" }).get("/api/jobs/ns/abc").reply(200, {id:"abc", createdAt:"2020", status:{stage:"RUNNING"}});
    const c = new JobsClient({ endpoint: "https://hf.test", token: "hf_abcdefghijklmnopqrstuvwxyz1234", namespace: "ns" });
    const p = c.inspect("abc");
    await vi.advanceTimersByTimeAsync(4999);
    console.log("pending after 4999", scope.pendingMocks());
    await vi.advanceTimersByTimeAsync(1);
    const j = await p;
    console.log("FAKE", j.id, scope.isDone());
  });
});
