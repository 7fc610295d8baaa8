import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AmbiguousCreateError,
  ApiError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  JobNotFoundError,
  JobsClient,
  ResponseValidationError,
  ScheduledJobBusyError,
  ScheduledJobs,
  ValidationError,
} from "../src/index.js";
import type { JobSpecWire } from "../src/wire/schemas.js";
import { UV_IMAGE } from "../src/wire/schemas.js";
import { buildJobSpec, defaultNameFromImage } from "../src/jobs/spec.js";
import { buildUvRunSpec } from "../src/uv/run-uv.js";
import { UV_BOOTSTRAP } from "../src/uv/bootstrap.js";

const ENDPOINT = "https://hub.test";
const TOKEN = "hf_scheduledTestToken000000000000";
const SJ_ID = "687fb701029421ae5549d9aa";
// Fixtures live in the repository (test/fixtures/scheduled), never in ../shared.
const readFixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/scheduled/${name}`, import.meta.url), "utf8"));

const JS_FIXTURE = readFixture("scheduled-job-js.json");
const LIST_FIXTURE = readFixture("list-pr4459.json");
const OAS_FIXTURE = readFixture("scheduled-job-oas.json");
const TRIGGER_FIXTURE = readFixture("trigger-job.json");

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Every request that reached `fetch`, in order, as `METHOD url`. */
let fetched: string[] = [];

function makeClient(options: { namespace?: string; token?: string } = {}): JobsClient {
  return new JobsClient({
    token: TOKEN,
    endpoint: ENDPOINT,
    maxRetries: 2,
    retryDelays: { baseMs: 1, maxMs: 2 },
    ...options,
    fetch: (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      fetched.push(`${request.method} ${request.url}`);
      return globalThis.fetch(input, init);
    },
  });
}

/** Registers one interceptor and records what it received. */
function expectCall(
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  status: number,
  reply?: unknown,
  replyHeaders: Record<string, string> = {},
): Seen[] {
  const seen: Seen[] = [];
  nock(ENDPOINT)
    .intercept(path, method)
    .reply(function (uri, body) {
      seen.push({ method, path: uri, headers: { ...this.req.headers }, body });
      const payload = typeof reply === "string" || reply === undefined ? (reply ?? "") : JSON.stringify(reply);
      return [status, payload, { "content-type": "application/json", ...replyHeaders }];
    });
  return seen;
}

/** The single request an interceptor received. */
function only(seen: Seen[]): Seen {
  expect(seen).toHaveLength(1);
  return seen[0] as Seen;
}

function expectWhoami(name = "alice"): Seen[] {
  return expectCall("GET", "/api/whoami-v2", 200, { name, type: "user" });
}

/** Headers every authenticated call carries; `json` when it has a JSON body. */
function expectStandardHeaders(seen: Seen, json: boolean): void {
  expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(seen.headers.accept).toBe("application/json");
  expect(seen.headers["user-agent"]).toMatch(/^@org\/hf-jobs\//);
  if (json) expect(seen.headers["content-type"]).toBe("application/json");
  else expect(seen.headers["content-type"]).toBeUndefined();
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterAll(() => {
  nock.enableNetConnect();
});
beforeEach(() => {
  fetched = [];
});
afterEach(() => {
  nock.cleanAll();
});

async function rejectsWith<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

describe("client.scheduled", () => {
  it("is a ScheduledJobs bound to the client", () => {
    expect(makeClient().scheduled).toBeInstanceOf(ScheduledJobs);
  });
});

describe("create", () => {
  it("POSTs {jobSpec, schedule, suspend: false, concurrency: false} to /api/scheduled-jobs/{whoami}", async () => {
    const whoami = expectWhoami("alice");
    const seen = expectCall("POST", "/api/scheduled-jobs/alice", 200, JS_FIXTURE);
    const command = ["python", "-c", "print(1)"];
    const created = await makeClient().scheduled.create({
      schedule: "0 9 * * 1",
      job: { image: "python:3.12", command },
    });
    expect(whoami).toHaveLength(1);
    const request = only(seen);
    expect(request.path).toBe("/api/scheduled-jobs/alice");
    expectStandardHeaders(request, true);
    expect(request.body).toStrictEqual({
      jobSpec: {
        dockerImage: "python:3.12",
        command,
        arguments: [],
        environment: {},
        flavor: "cpu-basic",
        labels: { name: defaultNameFromImage("python:3.12", command) },
      },
      schedule: "0 9 * * 1",
      suspend: false,
      concurrency: false,
    });
    expect(created.id).toBe(SJ_ID);
    expect(created.suspended).toBe(true);
    expect(created.job?.timeout).toBe(5400);
    expect(created.nextRunAt).toStrictEqual(new Date("2026-01-19T09:00:00.000Z"));
  });

  it("sends every field of a full spec, the normalised schedule and explicit flags, in the given namespace", async () => {
    const seen = expectCall("POST", "/api/scheduled-jobs/my-org", 200, OAS_FIXTURE);
    await makeClient({ namespace: "client-ns" }).scheduled.create({
      schedule: "  0   */6 * * MON-FRI ",
      suspend: true,
      concurrency: true,
      namespace: "my-org",
      job: {
        image: "hf.co/spaces/lhoestq/duckdb",
        command: ["duckdb", "-c", "select 1"],
        args: ["--json"],
        flavor: "a10g-small",
        env: { MODE: "batch" },
        secrets: { HF_TOKEN: "hf_secretValue1234567890abcdef" },
        timeout: "1.5h",
        name: "six-hourly",
        labels: { team: "ml" },
        volumes: [{ type: "dataset", source: "org/ds", mountPath: "/data", readOnly: true }],
        expose: [8000],
        arch: "arm64",
        attempts: 3,
        resourceGroupId: "rg-1",
      },
    });
    expect(fetched).toStrictEqual([`POST ${ENDPOINT}/api/scheduled-jobs/my-org`]);
    expect(only(seen).body).toStrictEqual({
      jobSpec: {
        spaceId: "lhoestq/duckdb",
        command: ["duckdb", "-c", "select 1"],
        arguments: ["--json"],
        environment: { MODE: "batch" },
        flavor: "a10g-small",
        secrets: { HF_TOKEN: "hf_secretValue1234567890abcdef" },
        timeoutSeconds: 5400,
        labels: { team: "ml", name: "six-hourly" },
        volumes: [{ type: "dataset", source: "org/ds", mountPath: "/data", readOnly: true }],
        expose: { ports: [8000] },
        arch: "arm64",
        attempts: 3,
        resourceGroupId: "rg-1",
      },
      schedule: "0 */6 * * MON-FRI",
      suspend: true,
      concurrency: true,
    });
  });

  it("takes the namespace from the job spec when create has none, and refuses two different ones", async () => {
    const seen = expectCall("POST", "/api/scheduled-jobs/from-job", 200, JS_FIXTURE);
    await makeClient({ namespace: "client-ns" }).scheduled.create({
      schedule: "@daily",
      job: { image: "python:3.12", namespace: "from-job" },
    });
    expect(seen).toHaveLength(1);
    const error = await rejectsWith(
      makeClient().scheduled.create({ schedule: "@daily", namespace: "a", job: { image: "python:3.12", namespace: "b" } }),
      ValidationError,
    );
    expect(error.field).toBe("namespace");
  });

  it("accepts a RunSpec with ssh: false (nothing SSH-related is sent)", async () => {
    const seen = expectCall("POST", "/api/scheduled-jobs/ns", 200, JS_FIXTURE);
    const runSpec = { image: "python:3.12", ssh: false };
    await makeClient({ namespace: "ns" }).scheduled.create({ schedule: "@hourly", job: runSpec });
    expect(only(seen).body).not.toHaveProperty("jobSpec.ssh");
  });

  describe("validates everything before any request (not even whoami)", () => {
    const cases: Array<[string, () => Parameters<ScheduledJobs["create"]>[0], string, RegExp]> = [
      ["a bad schedule", () => ({ schedule: "61 * * * *", job: { image: "python:3.12" } }), "schedule", /minute "61"/],
      ["a 6-field schedule", () => ({ schedule: "0 0 9 * * 1", job: { image: "python:3.12" } }), "schedule", /6 fields/],
      [
        "ssh on a run spec",
        () => ({ schedule: "@daily", job: { image: "python:3.12", ssh: true } as Parameters<ScheduledJobs["create"]>[0]["job"] }),
        "job.ssh",
        /SSH is not available for scheduled jobs/,
      ],
      [
        "ssh on a uv spec",
        () => ({ schedule: "@daily", job: { script: "https://x.test/a.py", ssh: true } as Parameters<ScheduledJobs["create"]>[0]["job"] }),
        "job.ssh",
        /SSH is not available/,
      ],
      ["a bad timeout (field prefixed with job.)", () => ({ schedule: "@daily", job: { image: "python:3.12", timeout: "soon" } }), "job.timeout", /not a duration/],
      ["a missing image", () => ({ schedule: "@daily", job: {} as { image: string } }), "job.image", /expected a Docker reference/],
      ["a bad label", () => ({ schedule: "@daily", job: { image: "python:3.12", labels: { team: "a b" } } }), "job.labels.team", /values are at most/],
      ["a missing uv script file", () => ({ schedule: "@daily", job: { script: "./does-not-exist.py" } }), "job.script", /is not a file/],
      ["a non-boolean suspend", () => ({ schedule: "@daily", suspend: "yes" as unknown as boolean, job: { image: "python:3.12" } }), "suspend", /boolean/],
      ["a non-boolean concurrency", () => ({ schedule: "@daily", concurrency: 1 as unknown as boolean, job: { image: "python:3.12" } }), "concurrency", /boolean/],
      ["no job", () => ({ schedule: "@daily" }) as Parameters<ScheduledJobs["create"]>[0], "job", /expected a job spec/],
    ];
    it.each(cases)("%s", async (_, spec, field, message) => {
      const client = makeClient(); // no namespace: a request would start with whoami
      const error = await rejectsWith(client.scheduled.create(spec()), ValidationError);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
      expect(fetched).toStrictEqual([]);
    });
  });

  describe("refuses the client's own token in env or in a shipped file, like client.run, before any request", () => {
    // Tokens of other services need not look like an hf_ token: only a comparison catches them.
    const CORP_TOKEN = "corp-token-0000-1111-2222";
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "hf-jobs-scheduled-token-"));
      writeFileSync(join(dir, "job.py"), `import os\nTOKEN = "${CORP_TOKEN}"\n`);
      writeFileSync(join(dir, "clean.py"), "print('no token here')\n");
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const cases: Array<[string, string, () => Parameters<ScheduledJobs["create"]>[0], string]> = [
      ["the client's token with a trailing newline (a token file)", TOKEN, () => ({ schedule: "@daily", job: { image: "python:3.12", env: { T: `${TOKEN}\n` } } }), "job.env.T"],
      ["the client's own non-hf_ token as is", CORP_TOKEN, () => ({ schedule: "@daily", job: { image: "python:3.12", env: { CREDS: CORP_TOKEN } } }), "job.env.CREDS"],
      ["the client's own non-hf_ token with a newline", CORP_TOKEN, () => ({ schedule: "@daily", job: { image: "python:3.12", env: { CREDS: `${CORP_TOKEN}\n` } } }), "job.env.CREDS"],
      ["the client's own non-hf_ token with Bearer", CORP_TOKEN, () => ({ schedule: "@daily", job: { image: "python:3.12", env: { AUTH: `Bearer ${CORP_TOKEN}` } } }), "job.env.AUTH"],
      ["the client's own non-hf_ token in a uv spec's env", CORP_TOKEN, () => ({ schedule: "@daily", job: { script: "https://x.test/a.py", env: { CREDS: CORP_TOKEN } } }), "job.env.CREDS"],
      ["the client's own non-hf_ token in a shipped uv file", CORP_TOKEN, () => ({ schedule: "@daily", job: { script: join(dir, "job.py") } }), "job.files"],
    ];
    it.each(cases)("%s", async (_, token, spec, field) => {
      const error = await rejectsWith(makeClient({ namespace: "ns", token }).scheduled.create(spec()), ValidationError);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(/secrets/);
      expect(error.message).not.toContain(token);
      expect(fetched).toStrictEqual([]);
    });

    it("accepts the same values in secrets, and a shipped file without the token", async () => {
      const seen = expectCall("POST", "/api/scheduled-jobs/ns", 200, JS_FIXTURE);
      const secrets = { CREDS: CORP_TOKEN };
      await makeClient({ namespace: "ns", token: CORP_TOKEN }).scheduled.create({ schedule: "@daily", job: { script: join(dir, "clean.py"), secrets } });
      expect((only(seen).body as { jobSpec: JobSpecWire }).jobSpec.secrets).toStrictEqual(secrets);
    });
  });

  it("is sent once: a 503 is not retried (it may have created the scheduled job)", async () => {
    expectCall("POST", "/api/scheduled-jobs/ns", 503, { error: "unavailable" });
    expectCall("POST", "/api/scheduled-jobs/ns", 200, JS_FIXTURE);
    await rejectsWith(makeClient({ namespace: "ns" }).scheduled.create({ schedule: "@daily", job: { image: "python:3.12" } }), InternalServerError);
    expect(fetched).toHaveLength(1);
  });

  it("a dropped connection after sending is an AmbiguousCreateError, not a retry", async () => {
    nock(ENDPOINT).post("/api/scheduled-jobs/ns").replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    await rejectsWith(makeClient({ namespace: "ns" }).scheduled.create({ schedule: "@daily", job: { image: "python:3.12" } }), AmbiguousCreateError);
    expect(fetched).toHaveLength(1);
  });

  it("never shows a secret value in an error message", async () => {
    const secret = "hf_secretValue1234567890abcdef";
    expectCall("POST", "/api/scheduled-jobs/ns", 400, { error: `bad secret ${secret}` });
    const error = await rejectsWith(
      makeClient({ namespace: "ns" }).scheduled.create({ schedule: "@daily", job: { image: "python:3.12", secrets: { HF_TOKEN: secret } } }),
      BadRequestError,
    );
    expect(error.message).toContain("bad secret");
    expect(error.message).not.toContain(secret);
  });

  describe("uv specs (a `script` field) are converted with buildUvRunSpec", () => {
    it("URL script: uv image, `uv run --with --python <url> <args>`, PYTHONUNBUFFERED, name from the script", async () => {
      const seen = expectCall("POST", "/api/scheduled-jobs/ns", 200, JS_FIXTURE);
      const uv = {
        script: "https://example.test/scripts/train.py",
        args: ["--lr", "1e-4", "a b", "$(x)", "<in>"],
        dependencies: ["trl", "torch>=2.4"],
        python: "3.12",
        flavor: "a10g-small",
        timeout: "2h",
      };
      await makeClient({ namespace: "ns" }).scheduled.create({ schedule: "@daily", job: uv });
      const body = only(seen).body as { jobSpec: JobSpecWire; schedule: string };
      expect(body.jobSpec).toStrictEqual(buildJobSpec(await buildUvRunSpec(uv)));
      expect(body.jobSpec.dockerImage).toBe(UV_IMAGE);
      expect(body.jobSpec.command).toStrictEqual([
        "uv", "run", "--with", "trl", "--with", "torch>=2.4", "--python", "3.12",
        "https://example.test/scripts/train.py", "--lr", "1e-4", "a b", "$(x)", "<in>",
      ]);
      expect(body.jobSpec.environment).toStrictEqual({ PYTHONUNBUFFERED: "1" });
      expect(body.jobSpec.flavor).toBe("a10g-small");
      expect(body.jobSpec.timeoutSeconds).toBe(7200);
      expect(body.jobSpec.labels?.name).toMatch(/^train-[0-9a-f]{8}$/);
      expect(body.jobSpec).not.toHaveProperty("ssh");
      expect(body.schedule).toBe("@daily");
    });

    describe("local file script", () => {
      let dir: string;
      beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), "hf-jobs-scheduled-"));
        writeFileSync(join(dir, "nightly.py"), "print('nightly')\n");
      });
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      it("ships the file inside the job spec (snapshot at creation)", async () => {
        const seen = expectCall("POST", "/api/scheduled-jobs/ns", 200, JS_FIXTURE);
        const uv = { script: join(dir, "nightly.py"), secrets: { HF_TOKEN: "hf_secretValue1234567890abcdef" } };
        await makeClient({ namespace: "ns" }).scheduled.create({ schedule: "0 3 * * *", job: uv });
        const body = only(seen).body as { jobSpec: JobSpecWire };
        expect(body.jobSpec).toStrictEqual(buildJobSpec(await buildUvRunSpec(uv)));
        expect(Object.keys(body.jobSpec.environment ?? {})).toContain("HF_JOBS_FILES");
        expect(body.jobSpec.secrets).toStrictEqual({ HF_TOKEN: "hf_secretValue1234567890abcdef" });
        expect(body.jobSpec.labels?.name).toMatch(/^nightly-[0-9a-f]{8}$/);
      });
    });

    it("inline code works too", async () => {
      const seen = expectCall("POST", "/api/scheduled-jobs/ns", 200, JS_FIXTURE);
      await makeClient({ namespace: "ns" }).scheduled.create({ schedule: "@hourly", job: { script: { code: "print(1)\n" } } });
      const body = only(seen).body as { jobSpec: JobSpecWire };
      expect(body.jobSpec.dockerImage).toBe(UV_IMAGE);
      expect(Object.keys(body.jobSpec.environment ?? {})).toContain("HF_JOBS_FILES");
    });
  });
});

describe("list", () => {
  it("GETs /api/scheduled-jobs/{ns} with no query and converts every entry", async () => {
    const seen = expectCall("GET", "/api/scheduled-jobs/alice", 200, LIST_FIXTURE);
    const list = await makeClient({ namespace: "alice" }).scheduled.list();
    expect(seen).toHaveLength(1);
    expect(only(seen).path).toBe("/api/scheduled-jobs/alice");
    expect(only(seen).body).toBe("");
    expectStandardHeaders(only(seen), false);
    expect(list).toHaveLength(1);
    expect(list[0]?.id).toBe("6a43e79b7a748a878b5991cf");
    expect(list[0]?.lastRun?.at).toStrictEqual(new Date("2026-07-01T11:44:41.000Z"));
    expect(list[0]?.nextRunAt).toStrictEqual(new Date("2026-07-02T00:00:00.000Z"));
  });

  it("uses the namespace option, else whoami", async () => {
    expectCall("GET", "/api/scheduled-jobs/other", 200, []);
    expect(await makeClient({ namespace: "alice" }).scheduled.list({ namespace: "other" })).toStrictEqual([]);
    expectWhoami("bob");
    expectCall("GET", "/api/scheduled-jobs/bob", 200, []);
    await makeClient().scheduled.list();
    expect(fetched).toStrictEqual([
      `GET ${ENDPOINT}/api/scheduled-jobs/other`,
      `GET ${ENDPOINT}/api/whoami-v2`,
      `GET ${ENDPOINT}/api/scheduled-jobs/bob`,
    ]);
  });

  it("follows a Link rel=next header verbatim if the service ever sends one", async () => {
    expectCall("GET", "/api/scheduled-jobs/ns", 200, LIST_FIXTURE, {
      link: `<${ENDPOINT}/api/scheduled-jobs/ns?cursor=abc%3D&limit=1>; rel="next"`,
    });
    const page2 = expectCall("GET", "/api/scheduled-jobs/ns?cursor=abc%3D&limit=1", 200, [JS_FIXTURE]);
    const list = await makeClient({ namespace: "ns" }).scheduled.list();
    expect(page2).toHaveLength(1);
    expect(list.map((s) => s.id)).toStrictEqual(["6a43e79b7a748a878b5991cf", SJ_ID]);
  });

  it("keeps a page whose entries lack a schedule or a job spec, leaving those fields out", async () => {
    const { schedule: _s, ...noSchedule } = JS_FIXTURE as Record<string, unknown>;
    expectCall("GET", "/api/scheduled-jobs/ns", 200, [noSchedule, { ...(JS_FIXTURE as object), id: "other", jobSpec: null }]);
    const list = await makeClient({ namespace: "ns" }).scheduled.list();
    expect(list.map((s) => s.id)).toStrictEqual([SJ_ID, "other"]);
    expect(list[0]).not.toHaveProperty("schedule");
    expect(list[0]?.job?.timeout).toBe(5400);
    expect(list[1]).not.toHaveProperty("job");
    expect(list[1]?.schedule).toBe("0 9 * * 1");
  });

  it("an unexpected body is a ResponseValidationError", async () => {
    expectCall("GET", "/api/scheduled-jobs/ns", 200, { items: [] });
    await rejectsWith(makeClient({ namespace: "ns" }).scheduled.list(), ResponseValidationError);
  });
});

describe("calls on one scheduled job", () => {
  it("inspect GETs /api/scheduled-jobs/{ns}/{id}", async () => {
    const seen = expectCall("GET", `/api/scheduled-jobs/ns/${SJ_ID}`, 200, JS_FIXTURE);
    const sj = await makeClient({ namespace: "ns" }).scheduled.inspect(SJ_ID);
    expect(seen).toHaveLength(1);
    expectStandardHeaders(only(seen), false);
    expect(sj.schedule).toBe("0 9 * * 1");
    expect(sj.job?.secretNames).toStrictEqual(["HF_TOKEN", "WANDB_API_KEY"]);
  });

  it("a namespace/id reference wins over the namespace option and the client's", async () => {
    const seen = expectCall("GET", `/api/scheduled-jobs/my-org/${SJ_ID}`, 200, JS_FIXTURE);
    await makeClient({ namespace: "ns" }).scheduled.inspect(`my-org/${SJ_ID}`, { namespace: "other" });
    expect(seen).toHaveLength(1);
  });

  it("a bare id uses the namespace option", async () => {
    const seen = expectCall("GET", `/api/scheduled-jobs/other/${SJ_ID}`, 200, JS_FIXTURE);
    await makeClient({ namespace: "ns" }).scheduled.inspect(SJ_ID, { namespace: "other" });
    expect(seen).toHaveLength(1);
  });

  it("retries an idempotent call on 503", async () => {
    expectCall("GET", `/api/scheduled-jobs/ns/${SJ_ID}`, 503, { error: "busy" });
    expectCall("GET", `/api/scheduled-jobs/ns/${SJ_ID}`, 200, JS_FIXTURE);
    await makeClient({ namespace: "ns" }).scheduled.inspect(SJ_ID);
    expect(fetched).toHaveLength(2);
  });

  it.each([["a/b/c"], [""], ["has space"], ["/abc"]])("refuses the reference %j before any request", async (ref) => {
    const error = await rejectsWith(makeClient().scheduled.inspect(ref), ValidationError);
    expect(error.field).toBe("scheduledJob");
    expect(fetched).toStrictEqual([]);
  });

  it.each([["../etc"], ["./abc"]])("refuses the dot-segment namespace of %j before any request (URL parsing would leave the route)", async (ref) => {
    await rejectsWith(makeClient().scheduled.inspect(ref), ValidationError);
    expect(fetched).toStrictEqual([]);
  });

  it.each([[".."], ["."], ["a b"], ["a/b"]])("refuses the namespace %j from options, the client or the job spec", async (ns) => {
    const error = await rejectsWith(makeClient().scheduled.list({ namespace: ns }), ValidationError);
    expect(error.field).toBe("namespace");
    await rejectsWith(makeClient({ namespace: ns }).scheduled.inspect(SJ_ID), ValidationError);
    await rejectsWith(makeClient().scheduled.trigger(SJ_ID, { namespace: ns }), ValidationError);
    await rejectsWith(makeClient({ namespace: "ok" }).scheduled.create({ schedule: "@daily", job: { image: "python:3.12", namespace: ns } }), ValidationError);
    expect(fetched).toStrictEqual([]);
  });

  const voidCalls = [
    ["delete", "DELETE", ""],
    ["suspend", "POST", "/suspend"],
    ["resume", "POST", "/resume"],
  ] as const;

  it.each(voidCalls)("%s sends %s .../{id}%s with no body and ignores the response", async (name, method, suffix) => {
    // A body that is neither JSON nor a scheduled job: it must not be parsed.
    const seen = expectCall(method, `/api/scheduled-jobs/ns/${SJ_ID}${suffix}`, 200, "OK, not json");
    const result = await makeClient({ namespace: "ns" }).scheduled[name](SJ_ID);
    expect(result).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(only(seen).body).toBe("");
    expectStandardHeaders(only(seen), false);
  });

  it.each(voidCalls)("%s: an empty 204 is fine too", async (name, method, suffix) => {
    nock(ENDPOINT).intercept(`/api/scheduled-jobs/ns/${SJ_ID}${suffix}`, method).reply(204);
    await expect(makeClient({ namespace: "ns" }).scheduled[name](SJ_ID)).resolves.toBeUndefined();
  });

  it.each([
    ["inspect", "GET", ""],
    ["delete", "DELETE", ""],
    ["suspend", "POST", "/suspend"],
    ["resume", "POST", "/resume"],
    ["trigger", "POST", "/run"],
  ] as const)("%s: 404 is a JobNotFoundError", async (name, method, suffix) => {
    expectCall(method, `/api/scheduled-jobs/ns/${SJ_ID}${suffix}`, 404, { error: "Scheduled job not found" });
    const error = await rejectsWith(makeClient({ namespace: "ns" }).scheduled[name](SJ_ID), JobNotFoundError);
    expect(error.status).toBe(404);
    expect(error.message).toContain("Scheduled job not found");
  });

  it("setLabels: 404 is a JobNotFoundError", async () => {
    expectCall("PUT", `/api/scheduled-jobs/ns/${SJ_ID}/labels`, 404, { error: "nope" });
    await rejectsWith(makeClient({ namespace: "ns" }).scheduled.setLabels(SJ_ID, { a: "b" }), JobNotFoundError);
  });
});

describe("trigger", () => {
  it("POSTs .../{id}/run with no body and returns the new Job", async () => {
    const seen = expectCall("POST", `/api/scheduled-jobs/ns/${SJ_ID}/run`, 200, TRIGGER_FIXTURE);
    const job = await makeClient({ namespace: "ns" }).scheduled.trigger(SJ_ID);
    expect(seen).toHaveLength(1);
    expect(only(seen).body).toBe("");
    expectStandardHeaders(only(seen), false);
    expect(job.id).toBe("687fb701029421ae5549dfff");
    expect(job.status.stage).toBe("SCHEDULING");
    expect(job.initiator).toStrictEqual({ id: SJ_ID, type: "scheduled-job" });
    expect(job.url).toBe(`${ENDPOINT}/jobs/lhoestq/687fb701029421ae5549dfff`);
  });

  it("409 (a run in progress, concurrency off) is a ScheduledJobBusyError with a clear message", async () => {
    expectCall("POST", `/api/scheduled-jobs/ns/${SJ_ID}/run`, 409, { error: "A job is already running" }, { "x-request-id": "req-42" });
    const error = await rejectsWith(makeClient({ namespace: "ns" }).scheduled.trigger(SJ_ID), ScheduledJobBusyError);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.name).toBe("ScheduledJobBusyError");
    expect(error.status).toBe(409);
    expect(error.namespace).toBe("ns");
    expect(error.scheduledJobId).toBe(SJ_ID);
    expect(error.requestId).toBe("req-42");
    expect(error.cause).toBeInstanceOf(ConflictError);
    expect(error.serverMessage).toBe("A job is already running");
    expect(error.message).toBe(
      `409 POST ${ENDPOINT}/api/scheduled-jobs/ns/${SJ_ID}/run: scheduled job ns/${SJ_ID} already has a run in progress and its concurrency is off, ` +
        "so no new run was started; wait for the current run to finish or enable concurrency (service: A job is already running) (request id req-42)",
    );
    expect(fetched).toHaveLength(1);
  });

  it("quotes the server's own words from ApiError.serverMessage, redacted", async () => {
    expectCall("POST", `/api/scheduled-jobs/ns/${SJ_ID}/run`, 409, { error: `busy (request id fake) for ${TOKEN}` }, { "x-request-id": "req-7" });
    const error = await rejectsWith(makeClient({ namespace: "ns" }).scheduled.trigger(SJ_ID), ScheduledJobBusyError);
    expect(error.serverMessage).toBe("busy (request id fake) for ***");
    expect(error.message).toContain("(service: busy (request id fake) for ***) (request id req-7)");
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it("serverMessage is the server's text alone, without the hints the SDK adds to the message", async () => {
    expectCall("GET", `/api/scheduled-jobs/ns/${SJ_ID}`, 403, { error: "no access to ns" });
    const error = await rejectsWith(makeClient().scheduled.inspect(`ns/${SJ_ID}`), ApiError);
    expect(error.message).toMatch(/no access to ns; check that the token may manage jobs/);
    expect(error.serverMessage).toBe("no access to ns");
  });

  it("409 on other calls stays a plain ConflictError", async () => {
    expectCall("POST", "/api/scheduled-jobs/ns", 409, { error: "exists" });
    const error = await rejectsWith(
      makeClient({ namespace: "ns" }).scheduled.create({ schedule: "@daily", job: { image: "python:3.12" } }),
      ConflictError,
    );
    expect(error).not.toBeInstanceOf(ScheduledJobBusyError);
  });

  it("is sent once: a 503 is not retried (the run may have started)", async () => {
    expectCall("POST", `/api/scheduled-jobs/ns/${SJ_ID}/run`, 503, { error: "unavailable" });
    expectCall("POST", `/api/scheduled-jobs/ns/${SJ_ID}/run`, 200, TRIGGER_FIXTURE);
    await rejectsWith(makeClient({ namespace: "ns" }).scheduled.trigger(SJ_ID), InternalServerError);
    expect(fetched).toHaveLength(1);
  });
});

describe("setLabels", () => {
  it("PUTs {labels} to .../{id}/labels and returns the scheduled job", async () => {
    const seen = expectCall("PUT", `/api/scheduled-jobs/my-org/${SJ_ID}/labels`, 200, JS_FIXTURE);
    const sj = await makeClient({ namespace: "ns" }).scheduled.setLabels(`my-org/${SJ_ID}`, { name: "weekly-report", team: "ml" });
    expect(seen).toHaveLength(1);
    expectStandardHeaders(only(seen), true);
    expect(only(seen).body).toStrictEqual({ labels: { name: "weekly-report", team: "ml" } });
    expect(sj.job?.labels).toStrictEqual({ name: "weekly-report", team: "ml" });
    expect(sj.name).toBe("weekly-report");
  });

  it("an empty map clears the labels", async () => {
    const seen = expectCall("PUT", `/api/scheduled-jobs/ns/${SJ_ID}/labels`, 200, JS_FIXTURE);
    await makeClient({ namespace: "ns" }).scheduled.setLabels(SJ_ID, {});
    expect(only(seen).body).toStrictEqual({ labels: {} });
  });

  it("invalid labels are refused before any request", async () => {
    const error = await rejectsWith(makeClient().scheduled.setLabels(SJ_ID, { "bad key": "x" }), ValidationError);
    expect(error.field).toBe("labels.bad key");
    expect(fetched).toStrictEqual([]);
  });
});

describe("runUv", () => {
  // Literal bodies: nothing here is computed by the code under test (no buildUvRunSpec, no
  // encoder), so a wrong image, a lost PYTHONUNBUFFERED, a missing labels.name or a broken file
  // encoding fails. The payload is recomputed from the files' bytes with Buffer's base64 only.
  const UV_IMAGE_LITERAL = "ghcr.io/astral-sh/uv:python3.12-bookworm";
  const uvFixture = (name: string) => fileURLToPath(new URL(`./fixtures/uv/${name}`, import.meta.url));

  it("POSTs a URL script as plain `uv run` with the uv image, PYTHONUNBUFFERED and a default name", async () => {
    const seen = expectCall("POST", "/api/jobs/ns", 200, TRIGGER_FIXTURE);
    const job = await makeClient({ namespace: "ns" }).runUv({ script: "https://example.test/a.py", args: ["x y"], dependencies: ["numpy"] });
    const request = only(seen);
    expectStandardHeaders(request, true);
    expect(request.body).toStrictEqual({
      dockerImage: UV_IMAGE_LITERAL,
      command: ["uv", "run", "--with", "numpy", "https://example.test/a.py", "x y"],
      arguments: [],
      environment: { PYTHONUNBUFFERED: "1" },
      flavor: "cpu-basic",
      // "a" + the first 8 hex of SHA-256("https://example.test/a.py\0x y"), as the Python client names it.
      labels: { name: "a-b0fcb25e" },
    });
    expect(fetched).toStrictEqual([`POST ${ENDPOINT}/api/jobs/ns`]);
    expect(job.id).toBe("687fb701029421ae5549dfff");
  });

  it("POSTs a local script and files as `sh -c <bootstrap>` with the files' bytes in HF_JOBS_FILES*", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hf-jobs-runuv-wire-"));
    try {
      // Over one 65536-character chunk of base64 (49152 bytes), so the file spans two variables.
      const big = Buffer.alloc(50_000);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7919 + (i >> 8)) & 0xff;
      writeFileSync(join(dir, "big.bin"), big);
      const plain = readFileSync(uvFixture("plain.py"));
      const config = readFileSync(uvFixture("config.yaml"));
      const bin = readFileSync(uvFixture("bytes.bin")); // NUL, CR LF, invalid UTF-8, "=+/"
      const big64 = big.toString("base64");
      expect(big64.length).toBeGreaterThan(65536);

      const seen = expectCall("POST", "/api/jobs/ns", 200, TRIGGER_FIXTURE);
      await makeClient({ namespace: "ns" }).runUv({
        script: uvFixture("plain.py"),
        files: [uvFixture("config.yaml"), uvFixture("bytes.bin"), join(dir, "big.bin")],
        args: ["--config", "config.yaml", "$(id)", "a\nb"],
        python: "3.12",
        env: { WANDB_PROJECT: "sft" },
        secrets: { API_KEY: "s3cret" },
        labels: { team: "ml" },
        name: "wire-test",
        flavor: "a10g-small",
        timeout: "2h",
      });
      const request = only(seen);
      expectStandardHeaders(request, true);
      expect(request.body).toStrictEqual({
        dockerImage: UV_IMAGE_LITERAL,
        command: ["sh", "-c", UV_BOOTSTRAP, "hf-jobs-uv", "--python", "3.12", "plain.py", "--config", "config.yaml", "$(id)", "a\nb"],
        arguments: [],
        environment: {
          WANDB_PROJECT: "sft",
          PYTHONUNBUFFERED: "1",
          // One line per file: <bytes> <chunk variables> <x|-> <base64 of the name>.
          HF_JOBS_FILES: [
            `${plain.length} 1 - cGxhaW4ucHk=`,
            `${config.length} 1 - Y29uZmlnLnlhbWw=`,
            `${bin.length} 1 - Ynl0ZXMuYmlu`,
            `${big.length} 2 - YmlnLmJpbg==`,
          ].join("\n"),
          HF_JOBS_FILES_0: plain.toString("base64"),
          HF_JOBS_FILES_1: config.toString("base64"),
          HF_JOBS_FILES_2: bin.toString("base64"),
          HF_JOBS_FILES_3: big64.slice(0, 65536),
          HF_JOBS_FILES_4: big64.slice(65536),
          // The uv arguments naming shipped files (1-based): the script and config.yaml.
          HF_JOBS_FILES_ARGS: "3 5",
        },
        flavor: "a10g-small",
        secrets: { API_KEY: "s3cret" },
        timeoutSeconds: 7200,
        labels: { team: "ml", name: "wire-test" },
      });
      expect(bin.toString("base64")).toBe("AAF/gMMo/v8NCj0rL+KCrAo=");
      expect(fetched).toStrictEqual([`POST ${ENDPOINT}/api/jobs/ns`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
