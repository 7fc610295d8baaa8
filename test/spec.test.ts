/**
 * Building the wire JobSpec and validating every input field before
 * any request is sent.
 */
import { createHash } from "node:crypto";
import nock from "nock";
import { describe, expect, it } from "vitest";
import type { JobsClient } from "../src/client.js";
import { HfJobsError, ValidationError } from "../src/core/errors.js";
import {
  buildJobSpec,
  buildRunBody,
  defaultNameFromImage,
  parseImage,
  parseTimeout,
  sanitizeName,
  validateLabels,
} from "../src/jobs/spec.js";
import { parseJobRef } from "../src/core/names.js";
import type { RunSpec } from "../src/types.js";
import { ENDPOINT, JOB_ID, countingFetch, fixture, guardNetwork, makeClient, rejection, thrown } from "./fixtures/core/helpers.js";

guardNetwork();

function sha8(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 8);
}

/** A spec with deliberately wrong types, as JavaScript callers can pass. */
function loose(fields: Record<string, unknown>): RunSpec {
  return { image: "python:3.12", name: "ok", ...fields } as unknown as RunSpec;
}

describe("parseImage (§10)", () => {
  it.each([
    ["https://huggingface.co/spaces/lhoestq/duckdb", { spaceId: "lhoestq/duckdb" }],
    ["https://hf.co/spaces/lhoestq/duckdb", { spaceId: "lhoestq/duckdb" }],
    ["huggingface.co/spaces/lhoestq/duckdb", { spaceId: "lhoestq/duckdb" }],
    ["hf.co/spaces/lhoestq/duckdb", { spaceId: "lhoestq/duckdb" }],
    ["hf.co/spaces/lhoestq/duckdb/", { spaceId: "lhoestq/duckdb" }],
    ["python:3.12", { dockerImage: "python:3.12" }],
    ["pytorch/pytorch:2.6.0-cuda12.4-cudnn9-devel", { dockerImage: "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-devel" }],
    ["ghcr.io/astral-sh/uv:python3.12-bookworm", { dockerImage: "ghcr.io/astral-sh/uv:python3.12-bookworm" }],
    ["huggingface.co/other/thing", { dockerImage: "huggingface.co/other/thing" }],
  ])("%s -> %o", (image, expected) => {
    expect(parseImage(image)).toStrictEqual(expected);
  });

  it.each(["", "  ", "hf.co/spaces/onlyowner", "hf.co/spaces/a/b/c", "python 3.12", undefined, 42])(
    "rejects %j as image",
    (image) => {
      const error = thrown(() => parseImage(image));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe("image");
    },
  );
});

describe("parseTimeout (§11.2)", () => {
  it.each([
    ["90m", 5400],
    ["1.5h", 5400],
    ["2d", 172_800],
    ["45s", 45],
    ["0.5m", 30],
    ["1H", 3600],
    [" 10m ", 600],
    [300, 300],
    ["300", 300],
    [90.9, 90],
    ["1.99s", 1],
  ] as const)("%j -> %i seconds", (input, seconds) => {
    expect(parseTimeout(input)).toBe(seconds);
  });

  it.each([0, "", "0", "0s", undefined, null])("%j -> omitted (service default)", (input) => {
    expect(parseTimeout(input)).toBeUndefined();
  });

  it.each(["abc", "5x", "-5", "1.5.2h", "m", "10 minutes", -5, Number.NaN, Number.POSITIVE_INFINITY, 0.5, "0.2s", {}, [], true])(
    "rejects %j",
    (input) => {
      const error = thrown(() => parseTimeout(input));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe("timeout");
    },
  );
});

describe("buildRunBody (§5.1)", () => {
  it("builds the reference body of §4.1", () => {
    expect(buildRunBody({ name: "hello", image: "python:3.12", command: ["python", "-c", "print(1)"] })).toStrictEqual(
      fixture("run-body-hello.json"),
    );
  });

  it("always sends command, arguments, environment and flavor; nothing else unless set", () => {
    const body = buildRunBody({ image: "python:3.12", name: "x" });
    expect(body).toStrictEqual({
      dockerImage: "python:3.12",
      command: [],
      arguments: [],
      environment: {},
      flavor: "cpu-basic",
      labels: { name: "x" },
    });
  });

  it("sends timeoutSeconds only when the timeout is set and not zero", () => {
    expect(buildRunBody({ image: "python:3.12", timeout: "90m" }).timeoutSeconds).toBe(5400);
    expect(buildRunBody({ image: "python:3.12", timeout: 300 }).timeoutSeconds).toBe(300);
    expect(buildRunBody({ image: "python:3.12", timeout: 0 })).not.toHaveProperty("timeoutSeconds");
    expect(buildRunBody({ image: "python:3.12", timeout: "" })).not.toHaveProperty("timeoutSeconds");
  });

  it("sends the name as labels.name, merged with the other labels", () => {
    expect(buildRunBody({ image: "python:3.12", name: "train-1", labels: { team: "ml" } }).labels).toStrictEqual({
      team: "ml",
      name: "train-1",
    });
  });

  it("keeps an explicit labels.name when no name is given", () => {
    expect(buildRunBody({ image: "python:3.12", labels: { name: "from-label" } }).labels).toStrictEqual({ name: "from-label" });
  });

  it("rejects a name given both ways", () => {
    const error = thrown(() => buildRunBody({ image: "python:3.12", name: "a", labels: { name: "b" } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("name");
  });

  it("derives a default name from the image and command (§11.4)", () => {
    const command = ["python", "-c", "print(1)"];
    expect(buildRunBody({ image: "python:3.12", command }).labels).toStrictEqual({
      name: `python-3-12-${sha8("python:3.12", ...command)}`,
    });
    expect(defaultNameFromImage("ghcr.io/astral-sh/uv:python3.12-bookworm", [])).toBe(
      `uv-python3-12-bookworm-${sha8("ghcr.io/astral-sh/uv:python3.12-bookworm")}`,
    );
    expect(defaultNameFromImage("hf.co/spaces/lhoestq/duckdb", ["a"])).toBe(`lhoestq-duckdb-${sha8("hf.co/spaces/lhoestq/duckdb", "a")}`);
    // Different commands give different names; the same inputs the same name.
    expect(defaultNameFromImage("python:3.12", ["a"])).not.toBe(defaultNameFromImage("python:3.12", ["b"]));
    expect(defaultNameFromImage("python:3.12", ["a"])).toBe(defaultNameFromImage("python:3.12", ["a"]));
    expect(defaultNameFromImage("python:3.12", ["a", "b"])).not.toBe(defaultNameFromImage("python:3.12", ["ab"]));
  });

  it("sanitizes names to letters, digits, ., _ and -", () => {
    expect(sanitizeName("my job/v1:latest")).toBe("my-job-v1-latest");
    expect(sanitizeName("---")).toBe("job");
  });

  it("sends secrets as a map, and omits an empty one", () => {
    expect(buildRunBody({ image: "python:3.12", secrets: { HF_TOKEN: "hf_abc", OTHER: "x" } }).secrets).toStrictEqual({
      HF_TOKEN: "hf_abc",
      OTHER: "x",
    });
    expect(buildRunBody({ image: "python:3.12", secrets: {} })).not.toHaveProperty("secrets");
  });

  it("sends volumes camelCase with only the keys that are set (§11.5)", () => {
    expect(
      buildRunBody({
        image: "python:3.12",
        volumes: [
          { type: "dataset", source: "org/ds", mountPath: "/data", readOnly: true, revision: "main", path: "subdir" },
          { type: "bucket", source: "org/b", mountPath: "/out", readOnly: false },
        ],
      }).volumes,
    ).toStrictEqual([
      { type: "dataset", source: "org/ds", mountPath: "/data", readOnly: true, revision: "main", path: "subdir" },
      { type: "bucket", source: "org/b", mountPath: "/out", readOnly: false },
    ]);
  });

  it("sends expose as {ports}, ssh as {enabled: true}, arch, attempts and resourceGroupId", () => {
    const body = buildRunBody({
      image: "python:3.12",
      expose: [8000, 8001],
      ssh: true,
      arch: "arm64",
      attempts: 2,
      resourceGroupId: "66f0aa",
    });
    expect(body.expose).toStrictEqual({ ports: [8000, 8001] });
    expect(body.ssh).toStrictEqual({ enabled: true });
    expect(body.arch).toBe("arm64");
    expect(body.attempts).toBe(2);
    expect(body.resourceGroupId).toBe("66f0aa");
  });

  it("accepts a flavor it does not know, whatever its spelling", () => {
    expect(buildRunBody({ image: "python:3.12", flavor: "b200x16" }).flavor).toBe("b200x16");
    expect(buildRunBody({ image: "python:3.12", flavor: "Future_GPU.x2" }).flavor).toBe("Future_GPU.x2");
  });

  it("keeps names within the 100-character label limit", () => {
    expect(() => buildRunBody({ image: "python:3.12", name: "n".repeat(101) })).toThrow(ValidationError);
    expect(buildRunBody({ image: "python:3.12", name: "n".repeat(100) }).labels?.name).toHaveLength(100);
    const long = `registry.example.com/org/${"x".repeat(150)}:tag`;
    const name = buildRunBody({ image: long, command: ["a"] }).labels?.name ?? "";
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name).toMatch(/^x+-[0-9a-f]{8}$/);
  });

  it("refuses an OAuth token (hf_oauth_...) in env like a user token", () => {
    const error = thrown(() => buildRunBody({ image: "python:3.12", env: { T: "hf_oauth_AbCdEfGhIjKlMnOpQrStUvWx" } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(String(error)).not.toContain("hf_oauth_AbCdEfGhIjKlMnOpQrStUvWx");
  });

  it("does not alias the caller's arrays and maps", () => {
    const spec = { image: "python:3.12", command: ["a"], env: { A: "1" }, expose: [8000] };
    const body = buildRunBody(spec);
    spec.command.push("b");
    spec.env.A = "2";
    spec.expose.push(9000);
    expect(body.command).toEqual(["a"]);
    expect(body.environment).toEqual({ A: "1" });
    expect(body.expose).toEqual({ ports: [8000] });
  });

  it("scheduled specs (buildJobSpec) have no ssh", () => {
    expect(buildJobSpec({ image: "python:3.12", ...({ ssh: true } as object) })).not.toHaveProperty("ssh");
  });
});

describe("validateLabels and parseJobRef", () => {
  it("accepts keys and values of up to 100 letters, digits, ., - and _ (empty values too)", () => {
    expect(validateLabels({ "a.b_c-d": "v.1_2-3", empty: "", ["k".repeat(100)]: "v".repeat(100) })).toBeTruthy();
  });

  it("splits namespace/jobId", () => {
    expect(parseJobRef(JOB_ID)).toStrictEqual({ id: JOB_ID });
    expect(parseJobRef(`my-org/${JOB_ID}`)).toStrictEqual({ namespace: "my-org", id: JOB_ID });
  });
});

type Case = [string, string, (client: JobsClient) => Promise<unknown>];
const TOKEN_LIKE = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
const run = (fields: Record<string, unknown>) => (c: JobsClient) => c.run(loose(fields));

const invalid: Case[] = [
  ["spec null", "spec", (c) => c.run(null as unknown as RunSpec)],
  ["image missing", "image", (c) => c.run({} as RunSpec)],
  ["image empty", "image", run({ image: "" })],
  ["image with spaces", "image", run({ image: "python 3" })],
  ["Space without a name", "image", run({ image: "hf.co/spaces/owner" })],
  ["command a string", "command", run({ command: "python -c 1" })],
  ["command item a number", "command[1]", run({ command: ["python", 1] })],
  ["args a string", "args", run({ args: "--x" })],
  ["args item null", "args[0]", run({ args: [null] })],
  ["env an array", "env", run({ env: ["A=1"] })],
  ["env key invalid", "env.1BAD", run({ env: { "1BAD": "x" } })],
  ["env value a number", "env.PORT", run({ env: { PORT: 8000 } })],
  ["env value a token", "env.HF_TOKEN", run({ env: { HF_TOKEN: TOKEN_LIKE } })],
  ["secrets a string", "secrets", run({ secrets: "HF_TOKEN" })],
  ["secret key invalid", "secrets.my-secret", run({ secrets: { "my-secret": "x" } })],
  ["secret value a number", "secrets.PIN", run({ secrets: { PIN: 1234 } })],
  ["labels an array", "labels", run({ labels: ["a"] })],
  ["label key with a space", "labels.a b", run({ labels: { "a b": "x" } })],
  ["label key too long", `labels.${"k".repeat(101)}`, run({ labels: { ["k".repeat(101)]: "x" } })],
  ["label value with a slash", "labels.team", run({ labels: { team: "ml/nlp" } })],
  ["label value too long", "labels.team", run({ labels: { team: "v".repeat(101) } })],
  ["label value a number", "labels.n", run({ labels: { n: 1 } })],
  ["name with a space", "name", run({ name: "my job" })],
  ["name a number", "name", run({ name: 7 })],
  ["name and labels.name", "name", run({ name: "a", labels: { name: "b" } })],
  ["flavor empty", "flavor", run({ flavor: "" })],
  ["flavor with spaces", "flavor", run({ flavor: "CPU Basic" })],
  ["flavor a number", "flavor", run({ flavor: 4 })],
  ["timeout unparseable", "timeout", run({ timeout: "ninety minutes" })],
  ["timeout negative", "timeout", run({ timeout: -1 })],
  ["timeout under a second", "timeout", run({ timeout: 0.5 })],
  ["timeout an object", "timeout", run({ timeout: {} })],
  ["volumes an object", "volumes", run({ volumes: {} })],
  ["volume null", "volumes[0]", run({ volumes: [null] })],
  ["volume type", "volumes[0].type", run({ volumes: [{ type: "git", source: "a/b", mountPath: "/d" }] })],
  ["volume source", "volumes[0].source", run({ volumes: [{ type: "model", source: "gpt2", mountPath: "/d" }] })],
  ["volume mountPath", "volumes[1].mountPath", run({ volumes: [{ type: "model", source: "a/b", mountPath: "/d" }, { type: "model", source: "a/b", mountPath: "d" }] })],
  ["volume revision", "volumes[0].revision", run({ volumes: [{ type: "model", source: "a/b", mountPath: "/d", revision: 1 }] })],
  ["volume readOnly", "volumes[0].readOnly", run({ volumes: [{ type: "model", source: "a/b", mountPath: "/d", readOnly: "yes" }] })],
  ["volume path", "volumes[0].path", run({ volumes: [{ type: "model", source: "a/b", mountPath: "/d", path: 3 }] })],
  ["expose a number", "expose", run({ expose: 8000 })],
  ["expose port 0", "expose", run({ expose: [0] })],
  ["expose port 70000", "expose", run({ expose: [70_000] })],
  ["expose port 80.5", "expose", run({ expose: [80.5] })],
  ["ssh a string", "ssh", run({ ssh: "yes" })],
  ["arch x86", "arch", run({ arch: "x86_64" })],
  ["attempts 0", "attempts", run({ attempts: 0 })],
  ["attempts 1.5", "attempts", run({ attempts: 1.5 })],
  ["attempts a string", "attempts", run({ attempts: "2" })],
  ["resourceGroupId empty", "resourceGroupId", run({ resourceGroupId: "" })],
  ["resourceGroupId a number", "resourceGroupId", run({ resourceGroupId: 5 })],
  ["namespace with a slash", "namespace", run({ namespace: "a/b" })],
  ["namespace empty", "namespace", run({ namespace: "" })],
  ["setLabels label value", "labels.env", (c) => c.setLabels(JOB_ID, { env: "prod env" })],
  ["setLabels labels null", "labels", (c) => c.setLabels(JOB_ID, null as unknown as Record<string, string>)],
  ["inspect bad id", "job", (c) => c.inspect("not an id")],
  ["inspect bad namespace in ref", "job", (c) => c.inspect(`a b/${JOB_ID}`)],
  ["cancel empty ref", "job", (c) => c.cancel("")],
  ["duplicate ref with three parts", "job", (c) => c.duplicate(`a/b/${JOB_ID}`)],
];

describe("input validation: a bad field gets a ValidationError naming it, and no request is sent", () => {
  it.each(invalid)("%s -> %s", async (_label, field, call) => {
    // No interceptor at all, net connect disabled, no default namespace (so not even whoami may
    // be asked): any request would be counted and reported as unmatched.
    const counter = countingFetch();
    const client = makeClient({ namespace: undefined, fetch: counter.fetch });
    const error = await rejection(call(client));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toBeInstanceOf(HfJobsError);
    expect((error as ValidationError).field).toBe(field);
    expect(error.message).toContain(field);
    expect(counter.count()).toBe(0);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("list rejects an empty stage synchronously, before any request", () => {
    const counter = countingFetch();
    const client = makeClient({ fetch: counter.fetch });
    const error = thrown(() => client.list({ stage: "" }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("stage");
    const labels = thrown(() => client.list({ labels: { team: 1 as unknown as string } }));
    expect((labels as ValidationError).field).toBe("labels.team");
    expect(counter.count()).toBe(0);
  });

  it("refuses an hf_ token in env with a message pointing to secrets, without the value", async () => {
    const counter = countingFetch();
    const error = await rejection(makeClient({ fetch: counter.fetch }).run({ image: "python:3.12", env: { HF_TOKEN: TOKEN_LIKE } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/secrets/);
    for (const text of [error.message, error.stack ?? "", JSON.stringify(error), String(error)]) {
      expect(text).not.toContain(TOKEN_LIKE);
    }
    expect(counter.count()).toBe(0);
  });

  it("accepts hf_-prefixed env values that are not tokens (identifiers, short values)", () => {
    const env = { A: "hf_transfer", B: "hf_hub_enable_hf_transfer_for_all", C: "hf_abc123" };
    expect(buildRunBody({ image: "python:3.12", env }).environment).toEqual(env);
  });

  it("refuses a token embedded in a longer env value (a URL), like a bare one", () => {
    const error = thrown(() => buildRunBody({ image: "python:3.12", env: { B: `https://x.test/?token=${TOKEN_LIKE}` } }));
    expect((error as ValidationError).field).toBe("env.B");
  });

  it("validates before resolving the namespace or the token", async () => {
    // An endpoint that does not resolve and no token source: validation must come first anyway.
    const error = await rejection(makeClient({ endpoint: ENDPOINT, token: undefined, namespace: undefined }).run(loose({ image: "" })));
    expect(error).toBeInstanceOf(ValidationError);
  });
});
