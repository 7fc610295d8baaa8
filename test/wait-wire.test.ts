import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { JobsClient } from "../src/index.js";

const ENDPOINT = "http://127.0.0.1:59998";
const A = "aaaaaaaaaaaaaaaaaaaaaaaa";
const B = "bbbbbbbbbbbbbbbbbbbbbbbb";
const job = (id: string, stage: string) => ({ id, createdAt: "2026-05-12T14:57:00.000Z", status: { stage }, owner: { name: "ns" } });
const client = () => new JobsClient({ endpoint: ENDPOINT, token: "hf_test_token", namespace: "ns", maxRetries: 0 });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("wait wire format", () => {
  it("polls GET /api/jobs/{ns}/{id} with the token, one request per tick", async () => {
    const scope = nock(ENDPOINT, { reqheaders: { authorization: "Bearer hf_test_token", accept: "application/json" } })
      .get(`/api/jobs/ns/${A}`)
      .reply(200, job(A, "RUNNING"))
      .get(`/api/jobs/ns/${A}`)
      .reply(200, job(A, "COMPLETED"));
    const done = await client().wait(A, { pollIntervalMs: 10 });
    expect(done.status.stage).toBe("COMPLETED");
    scope.done();
  });

  it("serves a label selector with GET /api/jobs/{ns}?label=k=v (repeated, AND), one per tick", async () => {
    const scope = nock(ENDPOINT)
      .get("/api/jobs/org")
      .query((q) => JSON.stringify(q) === JSON.stringify({ label: ["team=ml", "sweep=lr"] }))
      .reply(200, [job(A, "RUNNING"), job(B, "COMPLETED")])
      .get("/api/jobs/org")
      .query({ label: ["team=ml", "sweep=lr"] })
      .reply(200, [job(A, "COMPLETED"), job(B, "COMPLETED")]);
    const jobs = await client().waitAll({ labels: { team: "ml", sweep: "lr" }, namespace: "org" }, { pollIntervalMs: 10 });
    expect(jobs.map((j) => j.status.stage)).toEqual(["COMPLETED", "COMPLETED"]);
    scope.done(); // exactly two requests: nock would fail a third
  });

  it("cancels a stalled job with POST .../cancel", async () => {
    const scope = nock(ENDPOINT)
      .get(`/api/jobs/ns/${A}`)
      .reply(200, { ...job(A, "SCHEDULING"), durations: { totalSecs: 7200 } })
      .post(`/api/jobs/ns/${A}/cancel`)
      .reply(200, job(A, "CANCELED"));
    await expect(client().wait(A, { maxSchedulingMs: 3_600_000, cancelOnStall: true })).rejects.toMatchObject({
      name: "JobStalledError",
      canceled: true,
    });
    scope.done();
  });
});
