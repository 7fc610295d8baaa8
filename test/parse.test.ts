/**
 * Tolerant parsing of the wire format into the user-facing types:
 * unknown stages and fields, both timeout names, secrets as names or a map, missing optional
 * fields, the recorded examples, and malformed bodies.
 */
import nock from "nock";
import { describe, expect, it } from "vitest";
import { HfJobsError, ResponseValidationError } from "../src/core/errors.js";
import { isSuccess, isTerminal, isTerminalStage, toHardware, toJob } from "../src/jobs/parse.js";
import { HardwareWire, JobWire } from "../src/wire/schemas.js";
import type { Job } from "../src/types.js";
import {
  ENDPOINT,
  JOB_ID,
  JOB_PATH,
  NS,
  fixture,
  fixtureObject,
  guardNetwork,
  jobWire,
  makeClient,
  rejection,
} from "./fixtures/core/helpers.js";

guardNetwork();

/** Parses a wire job the way the client does. */
function parseJob(raw: unknown, namespace = NS): Job {
  return toJob(JobWire.parse(raw), ENDPOINT, namespace);
}

describe("toJob", () => {
  it("maps every field of a full job", () => {
    const job = parseJob(fixture("job-full.json"));
    expect(job).toStrictEqual({
      id: "687fb701029421ae5549d998",
      namespace: "drbh",
      url: `${ENDPOINT}/jobs/drbh/687fb701029421ae5549d998`,
      name: "serve",
      status: {
        stage: "RUNNING",
        message: null,
        exposeUrls: ["https://687fb701029421ae5549d998--8000.hf.jobs"],
        sshUrl: "ssh://687fb701029421ae5549d998@ssh.hf.jobs",
        failureCount: 0,
      },
      createdAt: new Date("2026-01-15T10:30:00.000Z"),
      updatedAt: new Date("2026-01-15T10:31:05.000Z"),
      startedAt: new Date("2026-01-15T10:30:20.000Z"),
      durations: { schedulingSecs: 20, runningSecs: 45, totalSecs: 65 },
      image: { type: "docker", reference: "python:3.12" },
      command: ["python", "-m", "http.server", "8000"],
      arguments: ["--bind", "0.0.0.0"],
      env: { MODE: "serve" },
      secretNames: ["HF_TOKEN"],
      flavor: "a10g-small",
      arch: "amd64",
      timeoutSeconds: 5400,
      attempts: 1,
      labels: { name: "serve", team: "ml" },
      volumes: [{ type: "dataset", source: "org/ds", mountPath: "/data", readOnly: true, revision: "main", path: "subdir" }],
      exposedPorts: [8000],
      owner: fixture("owner-drbh.json"),
      initiator: { type: "user", id: "6452d5ba3f80ad88c77b2f05", name: "drbh" },
    });
    expect(job.createdAt).toBeInstanceOf(Date);
    expect(job.finishedAt).toBeUndefined();
  });

  it("reads the owner of a real response (§16.3) and builds the page URL from it", () => {
    const owner = fixtureObject("owner-drbh.json");
    const job = parseJob(jobWire({ owner }), "some-org-the-request-used");
    expect(job.owner).toStrictEqual(owner);
    expect(job.namespace).toBe("drbh");
    expect(job.url).toBe(`${ENDPOINT}/jobs/drbh/${JOB_ID}`);
  });

  it("reads the job of `hf jobs inspect` (§16.4): secrets as names, PY-only fields ignored", () => {
    const job = parseJob(fixture("job-lhoestq-uv.json"));
    expect(job.id).toBe("693994e21a39f67af5a41ad0");
    expect(job.url).toBe(`${ENDPOINT}/jobs/lhoestq/693994e21a39f67af5a41ad0`);
    expect(job.image).toEqual({ type: "docker", reference: "ghcr.io/astral-sh/uv:python3.12-bookworm" });
    expect(job.secretNames).toEqual(["HF_TOKEN", "UV_SCRIPT_HF_TOKEN"]);
    expect(job.flavor).toBe("a100-large");
    expect(job.status).toEqual({ stage: "COMPLETED", message: null, exposeUrls: [] });
    expect(job.createdAt?.toISOString()).toBe("2025-12-10T15:42:26.835Z");
    expect(job.env.UV_SCRIPT_URL).toMatch(/^https:\/\/huggingface\.co\/datasets\//);
    expect(isSuccess(job)).toBe(true);
    expect(job).not.toHaveProperty("endpoint");
  });

  it("parses an unknown stage as UNKNOWN, keeping the service's name in rawStage", () => {
    const job = parseJob(jobWire({ status: { stage: "PAUSED_FOR_MAINTENANCE", message: "back soon" } }));
    expect(job.status.stage).toBe("UNKNOWN");
    expect(job.status.rawStage).toBe("PAUSED_FOR_MAINTENANCE");
    expect(job.status.message).toBe("back soon");
    expect(isTerminal(job)).toBe(false);
    expect(isSuccess(job)).toBe(false);
  });

  it("ignores unknown fields everywhere", () => {
    const job = parseJob(
      jobWire({
        brandNew: { nested: [1, 2] },
        status: { stage: "RUNNING", message: null, progress: 0.5, phases: ["a"] },
        owner: { id: "1", name: NS, type: "org", isPro: true },
        durations: { totalSecs: 3, queueSecs: 1 },
        volumes: [{ type: "model", source: "a/b", mountPath: "/m", cacheMode: "lazy" }],
      }),
    );
    expect(job).not.toHaveProperty("brandNew");
    expect(job.status).toStrictEqual({ stage: "RUNNING", message: null, exposeUrls: [] });
    expect(job.owner).toStrictEqual({ id: "1", name: NS, type: "org" });
    expect(job.durations).toStrictEqual({ totalSecs: 3 });
    expect(job.volumes).toStrictEqual([{ type: "model", source: "a/b", mountPath: "/m" }]);
  });

  it("reads timeoutSeconds, else the older timeout", () => {
    expect(parseJob(jobWire({ timeoutSeconds: 300 })).timeoutSeconds).toBe(300);
    expect(parseJob(jobWire({ timeout: 1800 })).timeoutSeconds).toBe(1800);
    expect(parseJob(jobWire({ timeoutSeconds: 300, timeout: 1800 })).timeoutSeconds).toBe(300);
    expect(parseJob(jobWire({ timeoutSeconds: null, timeout: 1800 })).timeoutSeconds).toBe(1800);
    expect(parseJob(jobWire()).timeoutSeconds).toBeUndefined();
  });

  it.each([
    ["missing", {}],
    ["null", { createdAt: null }],
    ["not a date", { createdAt: "yesterday" }],
  ])("parses a job whose createdAt is %s with createdAt undefined", (_label, overrides) => {
    const wire = { ...jobWire(), ...overrides };
    if (!("createdAt" in overrides)) delete (wire as Record<string, unknown>).createdAt;
    const job = parseJob(wire);
    expect(job.createdAt).toBeUndefined();
    expect(job).not.toHaveProperty("createdAt");
  });

  it("a list page with a job missing createdAt keeps every job", async () => {
    const { createdAt: _dropped, ...bare } = jobWire({ id: "0".repeat(24) });
    nock(ENDPOINT).get(`/api/jobs/${NS}`).reply(200, [bare, jobWire(), { ...jobWire({ id: "1".repeat(24) }), createdAt: null }]);
    const jobs = await makeClient().list().toArray();
    expect(jobs.map((j) => j.createdAt?.toISOString())).toEqual([undefined, "2026-01-15T10:30:00.000Z", undefined]);
  });

  it("reads secrets as a list of names or as a map", () => {
    expect(parseJob(jobWire({ secrets: ["A", "B"] })).secretNames).toEqual(["A", "B"]);
    expect(parseJob(jobWire({ secrets: { A: "***", B: null } })).secretNames).toEqual(["A", "B"]);
    expect(parseJob(jobWire({ secrets: null })).secretNames).toEqual([]);
  });

  it("fills the gaps of a minimal job", () => {
    const job = parseJob({ id: JOB_ID, createdAt: "2026-01-15T10:30:00Z", status: { stage: "SCHEDULING" } });
    expect(job).toStrictEqual({
      id: JOB_ID,
      namespace: NS,
      url: `${ENDPOINT}/jobs/${NS}/${JOB_ID}`,
      status: { stage: "SCHEDULING", message: null, exposeUrls: [] },
      createdAt: new Date("2026-01-15T10:30:00Z"),
      durations: {},
      image: { type: "docker", reference: "" },
      command: [],
      arguments: [],
      env: {},
      secretNames: [],
      flavor: "unknown", // not invented as cpu-basic
      labels: {},
      volumes: [],
      exposedPorts: [],
    });
  });

  it("accepts null for every optional field", () => {
    const nulls = Object.fromEntries(
      [
        "updatedAt",
        "startedAt",
        "finishedAt",
        "durations",
        "dockerImage",
        "spaceId",
        "command",
        "arguments",
        "environment",
        "secrets",
        "flavor",
        "arch",
        "timeoutSeconds",
        "timeout",
        "attempts",
        "labels",
        "volumes",
        "expose",
        "ssh",
        "resourceGroupId",
        "owner",
        "createdBy",
        "initiator",
      ].map((k) => [k, null]),
    );
    const job = parseJob({
      id: JOB_ID,
      createdAt: "2026-01-15T10:30:00Z",
      status: { stage: "ERROR", message: null, exposeUrls: null, sshUrl: null, failureCount: null },
      ...nulls,
    });
    expect(job.status).toStrictEqual({ stage: "ERROR", message: null, exposeUrls: [] });
    expect(job.name).toBeUndefined();
    expect(job.owner).toBeUndefined();
  });

  it("reads a Space image and durations of a scheduling job", () => {
    const job = parseJob(jobWire({ dockerImage: null, spaceId: "lhoestq/duckdb", durations: { totalSecs: 4 } }));
    expect(job.image).toEqual({ type: "space", spaceId: "lhoestq/duckdb" });
    expect(job.durations).toEqual({ totalSecs: 4 });
  });

  it("leaves an unreadable optional date undefined", () => {
    const job = parseJob(jobWire({ startedAt: "not a date", finishedAt: "" }));
    expect(job.startedAt).toBeUndefined();
    expect(job.finishedAt).toBeUndefined();
  });
});

describe("toHardware (§12, §16.5)", () => {
  it("reads the recorded cpu-basic entry and prices it per hour as unitCostUSD * 60", () => {
    const hw = toHardware(HardwareWire.parse(fixture("hardware-cpu-basic.json")));
    expect(hw).toStrictEqual({
      name: "cpu-basic",
      prettyName: "CPU Basic",
      cpu: "2 vCPU",
      ram: "16 GB",
      ephemeralStorage: "20 GB",
      pricePerMinuteUsd: 0.000167,
      pricePerHourUsd: 0.000167 * 60,
    });
    expect(hw.pricePerHourUsd).toBeCloseTo(0.01002, 10);
  });

  it("reads a GPU entry with a string quantity and derives the price from micro-dollars", () => {
    const hw = toHardware(
      HardwareWire.parse({
        name: "a10g-largex2",
        prettyName: "2x Nvidia A10G - large",
        cpu: "24 vCPU",
        ram: "92 GB",
        accelerator: { type: "gpu", model: "A10G", quantity: "2", vram: "48 GB", manufacturer: "Nvidia" },
        unitCostMicroUSD: 50_000,
        unitLabel: "minute",
        somethingNew: true,
      }),
    );
    expect(hw.accelerator).toStrictEqual({ type: "gpu", model: "A10G", quantity: 2, vram: "48 GB", manufacturer: "Nvidia" });
    expect(hw.pricePerMinuteUsd).toBeCloseTo(0.05, 12);
    expect(hw.pricePerHourUsd).toBeCloseTo(3, 12);
    expect(hw.ephemeralStorage).toBeUndefined();
  });

  it("the client computes the price for each entry of the list", async () => {
    nock(ENDPOINT)
      .get("/api/jobs/hardware")
      .reply(200, [fixture("hardware-cpu-basic.json"), { name: "h200", unitCostUSD: 0.0833, unitLabel: "minute" }]);
    const list = await makeClient().hardware();
    expect(list.map((h) => [h.name, Number(h.pricePerHourUsd.toFixed(4))])).toEqual([
      ["cpu-basic", 0.01],
      ["h200", 4.998],
    ]);
  });
});

describe("isTerminal and isSuccess (§6)", () => {
  it.each([
    ["COMPLETED", true, true],
    ["CANCELED", true, false],
    ["ERROR", true, false],
    ["DELETED", true, false],
    ["SCHEDULING", false, false],
    ["RUNNING", false, false],
    ["UPDATING", false, false],
    ["SOMETHING_NEW", false, false],
    ["completed", false, false],
  ])("%s: terminal %s, success %s", (stage, terminal, success) => {
    expect(isTerminal(stage)).toBe(terminal);
    expect(isTerminalStage(stage)).toBe(terminal);
    expect(isSuccess(stage)).toBe(success);
    const job = parseJob(jobWire({ status: { stage } }));
    expect(isTerminal(job)).toBe(terminal);
    expect(isSuccess(job)).toBe(success);
  });
});

describe("malformed responses", () => {
  it.each([
    ["an empty object", {}],
    ["a job without status", { id: JOB_ID, createdAt: "2026-01-15T10:30:00Z" }],
    ["an id that is a number", { ...jobWire(), id: 5 }],
    ["a stage that is not a string", jobWire({ status: { stage: 3 } })],
    ["labels that are not a map", jobWire({ labels: "a=1" })],
    ["an array", [jobWire()]],
  ])("inspect rejects %s with ResponseValidationError", async (_label, body) => {
    nock(ENDPOINT).get(JOB_PATH).reply(200, body);
    const error = await rejection(makeClient().inspect(JOB_ID));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toBeInstanceOf(HfJobsError);
    expect(error.message).toContain(`GET ${ENDPOINT}${JOB_PATH}`);
  });

  it("names the offending field", async () => {
    nock(ENDPOINT).get(JOB_PATH).reply(200, jobWire({ status: { stage: 3 } }));
    expect((await rejection(makeClient().inspect(JOB_ID))).message).toContain("status.stage");
  });

  it.each([
    ["HTML", "<html>Bad gateway</html>"],
    ["an empty body", ""],
  ])("inspect rejects %s with ResponseValidationError", async (_label, body) => {
    nock(ENDPOINT).get(JOB_PATH).reply(200, body, { "content-type": "text/html" });
    expect(await rejection(makeClient().inspect(JOB_ID))).toBeInstanceOf(ResponseValidationError);
  });

  it("run, hardware and whoami reject malformed bodies too", async () => {
    nock(ENDPOINT)
      .post(`/api/jobs/${NS}`)
      .reply(200, { ok: true })
      .get("/api/jobs/hardware")
      .reply(200, { flavors: [] })
      .get("/api/whoami-v2")
      .reply(200, { type: "user" });
    const client = makeClient();
    expect(await rejection(client.run({ image: "python:3.12" }))).toBeInstanceOf(ResponseValidationError);
    expect(await rejection(client.hardware())).toBeInstanceOf(ResponseValidationError);
    expect(await rejection(client.whoami())).toBeInstanceOf(ResponseValidationError);
  });
});

describe("nulls and odd values below the top level", () => {
  const nested = () =>
    jobWire({
      type: null,
      owner: { id: null, name: NS, type: null, avatarUrl: null },
      initiator: { id: "u1", name: null, type: "user", avatarUrl: null },
      status: { stage: "RUNNING", message: null, exposeUrls: null, sshUrl: null, failureCount: null },
      labels: { name: "hello", retries: 3, flag: true, nothing: null, nested: { a: "b" } },
      environment: { A: "1", B: 2, C: null },
      flavor: null,
    });

  it("parses a job with nulls in nested objects and drops map values that are not strings", () => {
    const job = parseJob(nested());
    expect(job.owner).toEqual({ name: NS });
    expect(job.initiator).toEqual({ id: "u1", type: "user" });
    expect(job.status.exposeUrls).toEqual([]);
    expect(job.labels).toEqual({ name: "hello" });
    expect(job.env).toEqual({ A: "1" });
    expect(job.flavor).toBe("unknown");
  });

  it("keeps the flavor the service sent", () => {
    expect(parseJob(jobWire({ flavor: "h200x8" })).flavor).toBe("h200x8");
  });

  it("a job with odd nested values does not fail its list page", async () => {
    nock(ENDPOINT)
      .get(`/api/jobs/${NS}`)
      .reply(200, [jobWire(), { ...nested(), id: "687fb701029421ae5549d999" }]);
    const jobs = await makeClient().list().toArray();
    expect(jobs.map((j) => j.labels)).toEqual([{ name: "hello" }, { name: "hello" }]);
  });
});
