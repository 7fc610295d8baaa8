import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ScheduledJobWire } from "../src/wire/schemas.js";
import { toScheduledJob } from "../src/scheduled/parse.js";

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/scheduled/${name}`, import.meta.url), "utf8"));
}

function wire(value: unknown): ScheduledJobWire {
  return ScheduledJobWire.parse(value);
}

const JS = fixture("scheduled-job-js.json") as Record<string, unknown>;

describe("toScheduledJob", () => {
  it("converts the JS shape (timeoutSeconds, secret names, dates)", () => {
    expect(toScheduledJob(wire(JS), "fallback-ns")).toStrictEqual({
      id: "687fb701029421ae5549d9aa",
      namespace: "lhoestq",
      name: "weekly-report",
      schedule: "0 9 * * 1",
      suspended: true,
      concurrency: true,
      job: {
        image: "python:3.12",
        command: ["python", "-c", "print(1)"],
        args: ["--verbose"],
        flavor: "a10g-small",
        env: { MODE: "weekly" },
        secretNames: ["HF_TOKEN", "WANDB_API_KEY"],
        timeout: 5400,
        labels: { name: "weekly-report", team: "ml" },
        volumes: [],
        expose: [8000],
        arch: "amd64",
        attempts: 2,
      },
      lastRun: { jobId: "687fb701029421ae5549d998", at: new Date("2026-01-12T09:00:03.120Z") },
      nextRunAt: new Date("2026-01-19T09:00:00.000Z"),
      owner: {
        id: "5e9ecfc04957053f60648a3e",
        name: "lhoestq",
        type: "user",
        avatarUrl: "https://cdn-avatars.huggingface.co/lhoestq.png",
      },
      createdAt: new Date("2026-01-15T10:30:00.000Z"),
      updatedAt: new Date("2026-01-16T08:00:00.000Z"),
    });
  });

  it("converts the OAS shape: `timeout`, Space image, secrets as a map, nulls, unknown fields ignored", () => {
    const converted = toScheduledJob(wire(fixture("scheduled-job-oas.json")), "fallback-ns");
    expect(converted).toStrictEqual({
      id: "68a0c0ffee0000000000beef",
      namespace: "my-org",
      schedule: "@hourly",
      suspended: false,
      concurrency: false,
      job: {
        image: "hf.co/spaces/lhoestq/duckdb",
        command: [],
        args: [],
        flavor: "cpu-upgrade",
        env: {},
        secretNames: ["HF_TOKEN"],
        timeout: 600,
        labels: {},
        volumes: [],
      },
      nextRunAt: new Date("2025-09-01T01:00:00Z"),
      owner: { id: "org0000000000000000000001", name: "my-org", type: "org" },
      createdAt: new Date("2025-09-01T00:00:00Z"),
    });
    const text = JSON.stringify(converted);
    for (const unknown of ["futureSpecField", "futureStatusField", "someNewTopLevelField", "tags"]) {
      expect(text).not.toContain(unknown);
    }
  });

  it("converts the reconstructed list entry of huggingface_hub PR 4459 (bucket volume, lastJob/nextJobRunAt)", () => {
    const [entry] = fixture("list-pr4459.json") as unknown[];
    const converted = toScheduledJob(wire(entry), "fallback-ns");
    expect(converted.namespace).toBe("Wauplin");
    expect(converted.job?.command).toStrictEqual(["uv", "run", "/data/sync_hf_docs_archive.py"]);
    expect(converted.job?.timeout).toBe(3600);
    expect(converted.job?.volumes).toStrictEqual([
      { type: "bucket", source: "Wauplin/jobs-artifacts", mountPath: "/data", path: "20260630T160210-a1b2c3", readOnly: false },
    ]);
    expect(converted.lastRun).toStrictEqual({ jobId: "6a44f7c97a748a878b59a012", at: new Date("2026-07-01T11:44:41.000Z") });
    expect(converted.lastRun?.at).toBeInstanceOf(Date);
    expect(converted.nextRunAt?.toISOString()).toBe("2026-07-02T00:00:00.000Z");
  });

  it("prefers timeoutSeconds when both timeout names are present", () => {
    const both = { ...JS, jobSpec: { ...(JS.jobSpec as object), timeoutSeconds: 120, timeout: 999 } };
    expect(toScheduledJob(wire(both), "ns").job?.timeout).toBe(120);
    const onlyOld = { ...JS, jobSpec: { ...(JS.jobSpec as object), timeoutSeconds: undefined, timeout: 999 } };
    expect(toScheduledJob(wire(onlyOld), "ns").job?.timeout).toBe(999);
    const neither = { ...JS, jobSpec: { ...(JS.jobSpec as object), timeoutSeconds: null } };
    expect(toScheduledJob(wire(neither), "ns").job).not.toHaveProperty("timeout");
  });

  it("tolerates a minimal body: defaults, no status, no owner (request namespace), no dates", () => {
    const minimal = wire({ id: "abc", schedule: "@daily", jobSpec: { dockerImage: "python:3.12" } });
    expect(toScheduledJob(minimal, "req-ns")).toStrictEqual({
      id: "abc",
      namespace: "req-ns",
      schedule: "@daily",
      suspended: false,
      concurrency: false,
      job: {
        image: "python:3.12",
        command: [],
        args: [],
        flavor: "cpu-basic",
        env: {},
        secretNames: [],
        labels: {},
        volumes: [],
      },
    });
  });

  it("keeps the last run id when its time is missing or unparseable, and drops bad dates", () => {
    const odd = wire({
      ...JS,
      createdAt: "not a date",
      status: { lastJob: { id: "687fb701029421ae5549d998", at: "yesterday-ish" }, nextJobRunAt: null },
    });
    const converted = toScheduledJob(odd, "ns");
    expect(converted.lastRun).toStrictEqual({ jobId: "687fb701029421ae5549d998" });
    expect(converted).not.toHaveProperty("nextRunAt");
    expect(converted).not.toHaveProperty("createdAt");
  });

  it.each([
    ["missing", {}],
    ["null", { schedule: null, jobSpec: null }],
  ])("leaves out a %s schedule and job spec instead of failing", (_, fields) => {
    const { schedule: _s, jobSpec: _j, ...rest } = JS;
    const converted = toScheduledJob(wire({ ...rest, ...fields }), "ns");
    expect(converted).not.toHaveProperty("schedule");
    expect(converted).not.toHaveProperty("job");
    expect(converted).not.toHaveProperty("name");
    expect(converted.id).toBe(JS.id);
    expect(converted.suspended).toBe(JS.suspend);
  });

  it("keeps the job when only the schedule is missing, and the schedule when only the job is", () => {
    const { schedule: _s, ...noSchedule } = JS;
    expect(toScheduledJob(wire(noSchedule), "ns").job).toStrictEqual(toScheduledJob(wire(JS), "ns").job);
    const { jobSpec: _j, ...noJob } = JS;
    expect(toScheduledJob(wire(noJob), "ns").schedule).toBe(JS.schedule);
  });
});
