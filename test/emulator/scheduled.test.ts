// Scheduled jobs: wire shape, CRUD, schedule validation, real cron firing, busy trigger (409).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { JobWire, ScheduledJobWire } from "../../src/wire/schemas.js";
import { api, getJob, spec, start, waitFor, waitTerminal } from "./helpers.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let emu: Emulator;
let call: ReturnType<typeof api>;
let base: string;

type WireScheduled = {
  id: string;
  suspend: boolean;
  status: { lastJob: { id: string; at: string } | null; nextJobRunAt: string | null };
  jobSpec: Record<string, unknown>;
  [k: string]: unknown;
};

async function create(body: Record<string, unknown>, expected = 200): Promise<WireScheduled> {
  const res = await call(base, { method: "POST", body });
  const text = await res.text();
  expect(res.status, text).toBe(expected);
  return JSON.parse(text) as WireScheduled;
}

async function inspect(id: string): Promise<WireScheduled> {
  return (await (await call(`${base}/${id}`)).json()) as WireScheduled;
}

beforeAll(async () => {
  emu = await start({ secondsInSchedules: true });
  call = api(emu);
  base = `/api/scheduled-jobs/${emu.namespace}`;
});
afterAll(() => emu.close());

describe("scheduled jobs", () => {
  it("creates one with the service's shape; secrets as names only", async () => {
    const sj = await create({
      jobSpec: spec(["true"], { secrets: { TOKEN: "very-secret-value" }, labels: { name: "nightly" }, timeoutSeconds: 60 }),
      schedule: "@hourly",
      suspend: false,
      concurrency: false,
    });
    ScheduledJobWire.parse(sj);
    expect(JSON.stringify(sj)).not.toContain("very-secret-value");
    expect(sj.id).toMatch(/^[0-9a-f]{24}$/);
    expect(sj.type).toBe("scheduled-job");
    expect(sj.createdAt).toMatch(ISO);
    expect(sj.schedule).toBe("@hourly");
    expect(sj.suspend).toBe(false);
    expect(sj.concurrency).toBe(false);
    expect(sj.jobSpec).toMatchObject({ dockerImage: "python:3.12", command: ["true"], secrets: ["TOKEN"], flavor: "cpu-basic", labels: { name: "nightly" }, timeoutSeconds: 60 });
    // The Python client reads `timeout`, this SDK either name.
    expect(sj.jobSpec).toMatchObject({ timeout: 60 });
    expect(sj.status.lastJob).toBeNull();
    const next = new Date(sj.status.nextJobRunAt ?? "");
    expect(next.getUTCMinutes()).toBe(0);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(sj.owner).toMatchObject({ name: emu.namespace, type: "user" });

    const list = (await (await call(base)).json()) as WireScheduled[];
    expect(list.map((s) => s.id)).toContain(sj.id);
    expect(JSON.stringify(list)).not.toContain("very-secret-value");
    expect((await inspect(sj.id)).id).toBe(sj.id);
  });

  it("accepts the documented nicknames and 5-field CRON, rejects anything else with 400", async () => {
    for (const schedule of ["@annually", "@yearly", "@monthly", "@weekly", "@daily", "@hourly", "0 9 * * 1", "*/5 * * * *"]) {
      await create({ jobSpec: spec(["true"]), schedule, suspend: true });
    }
    for (const schedule of ["@reboot", "not a cron", "61 * * * *", "* * *", ""]) {
      const res = await call(base, { method: "POST", body: { jobSpec: spec(["true"]), schedule } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/schedule/i);
    }
    for (const body of [{ schedule: "@daily" }, { jobSpec: spec(["true"]) }, { jobSpec: { command: ["true"] }, schedule: "@daily" }, { jobSpec: spec(["true"], { ssh: { enabled: true } }), schedule: "@daily" }]) {
      expect((await call(base, { method: "POST", body })).status).toBe(400);
    }
  });

  it("rejects 6-field (seconds) schedules unless secondsInSchedules is set", async () => {
    const strict = await start();
    try {
      const res = await api(strict)(`/api/scheduled-jobs/${strict.namespace}`, { method: "POST", body: { jobSpec: spec(["true"]), schedule: "* * * * * *" } });
      expect(res.status).toBe(400);
    } finally {
      await strict.close();
    }
  });

  it("fires on its schedule: runs have initiator scheduled-job and show up in status.lastJob", async () => {
    const sj = await create({ jobSpec: spec(["sh", "-c", "echo tick"]), schedule: "* * * * * *" });
    const fired = await waitFor(async () => {
      const current = await inspect(sj.id);
      return current.status.lastJob ?? undefined;
    }, 5000);
    expect(fired.at).toMatch(ISO);
    const run = await getJob(emu, fired.id);
    JobWire.parse(run);
    expect(run.initiator).toEqual({ type: "scheduled-job", id: sj.id });
    expect((await waitTerminal(emu, fired.id)).status.stage).toBe("COMPLETED");
    expect((await call(`${base}/${sj.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await call(`${base}/${sj.id}`)).status).toBe(404);
  });

  it("suspends and resumes; a suspended schedule does not fire", async () => {
    const sj = await create({ jobSpec: spec(["true"]), schedule: "@yearly" });
    const suspended = (await (await call(`${base}/${sj.id}/suspend`, { method: "POST" })).json()) as WireScheduled;
    expect(suspended.suspend).toBe(true);
    expect((await inspect(sj.id)).suspend).toBe(true);
    expect(emu.scheduler.fire(sj.id)).toBeNull();
    const resumed = (await (await call(`${base}/${sj.id}/resume`, { method: "POST" })).json()) as WireScheduled;
    expect(resumed.suspend).toBe(false);
    const id = emu.scheduler.fire(sj.id);
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect((await inspect(sj.id)).status.lastJob?.id).toBe(id);
  });

  it("answers 409 to a trigger while a run is active and concurrency is false", async () => {
    const sj = await create({ jobSpec: spec(["sleep", "30"]), schedule: "@yearly", concurrency: false });
    const res = await call(`${base}/${sj.id}/run`, { method: "POST" });
    expect(res.status).toBe(200);
    const run = (await res.json()) as { id: string; initiator: unknown };
    JobWire.parse(run);
    expect(run.initiator).toEqual({ type: "scheduled-job", id: sj.id });
    const busy = await call(`${base}/${sj.id}/run`, { method: "POST" });
    expect(busy.status).toBe(409);
    expect(typeof ((await busy.json()) as { error: unknown }).error).toBe("string");
    // The cron skips a busy run too.
    expect(emu.scheduler.fire(sj.id)).toBeNull();
    await call(`/api/jobs/${emu.namespace}/${run.id}/cancel`, { method: "POST" });
    const again = await call(`${base}/${sj.id}/run`, { method: "POST" });
    expect(again.status).toBe(200);
    const second = (await again.json()) as { id: string };
    expect((await inspect(sj.id)).status.lastJob?.id).toBe(second.id);
    await call(`/api/jobs/${emu.namespace}/${second.id}/cancel`, { method: "POST" });
  });

  it("allows overlapping runs when concurrency is true", async () => {
    const sj = await create({ jobSpec: spec(["sleep", "30"]), schedule: "@yearly", concurrency: true });
    const a = (await (await call(`${base}/${sj.id}/run`, { method: "POST" })).json()) as { id: string };
    const b = await call(`${base}/${sj.id}/run`, { method: "POST" });
    expect(b.status).toBe(200);
    const bJob = (await b.json()) as { id: string };
    for (const id of [a.id, bJob.id]) await call(`/api/jobs/${emu.namespace}/${id}/cancel`, { method: "POST" });
  });

  it("replaces jobSpec.labels with PUT .../labels, used by later runs", async () => {
    const sj = await create({ jobSpec: spec(["true"], { labels: { a: "1" } }), schedule: "@yearly" });
    const res = await call(`${base}/${sj.id}/labels`, { method: "PUT", body: { labels: { b: "2" } } });
    expect(res.status).toBe(200);
    const updated = (await res.json()) as WireScheduled;
    ScheduledJobWire.parse(updated);
    expect(updated.jobSpec.labels).toEqual({ b: "2" });
    const run = (await (await call(`${base}/${sj.id}/run`, { method: "POST" })).json()) as { labels: unknown };
    expect(run.labels).toEqual({ b: "2" });
  });

  it("answers 404 for unknown scheduled jobs on every route", async () => {
    for (const [method, suffix] of [
      ["GET", ""],
      ["DELETE", ""],
      ["POST", "/suspend"],
      ["POST", "/resume"],
      ["POST", "/run"],
      ["PUT", "/labels"],
    ] as const) {
      const res = await call(`${base}/0123456789abcdef01234567${suffix}`, { method, body: method === "PUT" ? { labels: {} } : undefined });
      expect(res.status).toBe(404);
      expect(res.headers.get("x-error-message")).toBeTruthy();
    }
  });
});
