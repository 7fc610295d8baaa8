/** buildUvRunSpec as a pure function: an in-memory file system, no network, no container. */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobsClient } from "../src/client.js";
import { ValidationError } from "../src/core/errors.js";
import { looksLikeToken } from "../src/core/redact.js";
import { UV_IMAGE } from "../src/wire/schemas.js";
import { buildRunBody } from "../src/jobs/spec.js";
import type { RunSpec } from "../src/types.js";
import { buildUvRunSpec, defaultNameFromScript, type UvIo, type UvSpec } from "../src/uv/run-uv.js";
import { bootstrapCommand, PAYLOAD_CHUNK_CHARS, PAYLOAD_ENV_PREFIX } from "../src/uv/bootstrap.js";
import { MAX_SHIPPED_BYTES } from "../src/uv/limits.js";
import { decodeFilesPayload, jobArgv } from "./fixtures/uv/decode.js";

const FIXTURES = resolve(import.meta.dirname, "fixtures/uv");
const CWD = "/home/me/project";

interface MemFile {
  content: string | Uint8Array;
  mode?: number;
}

/** An in-memory file system rooted at CWD; `reads` records every readFile call. */
function memIo(files: Record<string, string | Uint8Array | MemFile>, env: Record<string, string> = {}) {
  const table = new Map<string, MemFile>();
  for (const [path, value] of Object.entries(files)) {
    const file = typeof value === "string" || value instanceof Uint8Array ? { content: value } : value;
    table.set(resolve(CWD, path), file);
  }
  const bytesOf = (f: MemFile) => (typeof f.content === "string" ? new TextEncoder().encode(f.content) : f.content);
  const reads: string[] = [];
  const enoent = (path: string) => Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  const io: UvIo = {
    cwd: CWD,
    env,
    stat: async (path) => {
      const file = table.get(path);
      if (file) return { isFile: () => true, size: bytesOf(file).byteLength, mode: file.mode ?? 0o644 };
      if ([...table.keys()].some((p) => p.startsWith(`${path}/`))) return { isFile: () => false, size: 4096, mode: 0o755 };
      throw enoent(path);
    },
    readFile: async (path) => {
      reads.push(path);
      const file = table.get(path);
      if (!file) throw enoent(path);
      return bytesOf(file);
    },
  };
  return { io, reads };
}

const build = (spec: UvSpec, files: Record<string, string | Uint8Array | MemFile> = {}, env: Record<string, string> = {}) =>
  buildUvRunSpec(spec, memIo(files, env).io);

async function rejects(promise: Promise<unknown>, field: string, message?: RegExp): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  const v = error as ValidationError;
  expect(v.field).toBe(field);
  if (message) expect(v.message).toMatch(message);
  return v;
}

/** The shipped files of a spec, as the container will see them. */
const shipped = (spec: RunSpec) =>
  decodeFilesPayload(spec.env ?? {}).map((f) => ({ name: f.name, text: new TextDecoder().decode(f.content), executable: f.executable }));

describe("script forms", () => {
  it("sends an http(s) URL as is, with the default image and PYTHONUNBUFFERED", async () => {
    const url = "https://raw.githubusercontent.com/huggingface/trl/main/trl/scripts/sft.py";
    const spec = await build({ script: url, args: ["--model_name_or_path", "Qwen/Qwen2-0.5B"] });
    expect(spec).toEqual({
      image: UV_IMAGE,
      command: ["uv", "run", url, "--model_name_or_path", "Qwen/Qwen2-0.5B"],
      env: { PYTHONUNBUFFERED: "1" },
      name: defaultNameFromScript(url, ["--model_name_or_path", "Qwen/Qwen2-0.5B"]),
    });
    expect(spec.name).toMatch(/^sft-[0-9a-f]{8}$/);
  });

  it("sends a command available in the image as is", async () => {
    const spec = await build({ script: "python", args: ["-c", "import sys; print(sys.version)"] });
    expect(spec.command).toEqual(["uv", "run", "python", "-c", "import sys; print(sys.version)"]);
    expect(spec.name).toMatch(/^python-[0-9a-f]{8}$/);
  });

  it("treats a bare name as a command even when a directory of that name exists", async () => {
    const spec = await build({ script: "lighteval" }, { "lighteval/README.md": "docs" });
    expect(spec.command).toEqual(["uv", "run", "lighteval"]);
  });

  it("ships an existing local file and runs it by its relative path", async () => {
    const spec = await build({ script: "scripts/train.py", args: ["--lr", "1e-4"] }, { "scripts/train.py": "print(1)\n" });
    expect(spec.command).toEqual(bootstrapCommand(["train.py", "--lr", "1e-4"]));
    expect(shipped(spec)).toEqual([{ name: "train.py", text: "print(1)\n", executable: false }]);
    expect(jobArgv(spec.command ?? [], spec.env ?? {})).toEqual(["<files>/train.py", "--lr", "1e-4"]);
    expect(spec.env?.PYTHONUNBUFFERED).toBe("1");
    expect(spec.name).toBe(defaultNameFromScript("scripts/train.py", ["--lr", "1e-4"]));
  });

  it("prefers an existing local file over a command of the same name (as the Python client does)", async () => {
    const spec = await build({ script: "python" }, { python: "print('local')" });
    expect(spec.command).toEqual(bootstrapCommand(["python"]));
  });

  it("ships inline code as script.py, or under the given name", async () => {
    const spec = await build({ script: { code: "print('inline')\n" }, args: ["x"] });
    expect(spec.command).toEqual(bootstrapCommand(["script.py", "x"]));
    expect(shipped(spec)).toEqual([{ name: "script.py", text: "print('inline')\n", executable: false }]);
    expect(spec.name).toBe(defaultNameFromScript("script.py", ["x"]));

    const named = await build({ script: { code: "#!/bin/sh\necho hi\n", name: "job.sh" } });
    expect(named.command).toEqual(bootstrapCommand(["job.sh"]));
    expect(shipped(named)).toEqual([{ name: "job.sh", text: "#!/bin/sh\necho hi\n", executable: true }]);
  });

  it("keeps the executable bit of a local file", async () => {
    const spec = await build({ script: "run.sh" }, { "run.sh": { content: "#!/bin/sh\n", mode: 0o755 } });
    expect(shipped(spec)[0]?.executable).toBe(true);
  });

  it.each([
    ["missing.py"],
    ["./missing"],
    ["dir/missing"],
    ["config.yaml"],
    ["conf.yml"],
    ["pyproject.toml"],
    ["run.sh"],
  ])("rejects %s, which looks like a local file but does not exist, before reading anything", async (script) => {
    const { io, reads } = memIo({});
    await rejects(buildUvRunSpec({ script }, io), "script", /is not a file/);
    expect(reads).toEqual([]);
  });

  it("rejects malformed script values", async () => {
    await rejects(build({ script: "" }), "script");
    await rejects(build({ script: "--help" }), "script", /option/);
    await rejects(build({ script: 42 as unknown as string }), "script");
    await rejects(build({ script: { code: 1 } as unknown as { code: string } }), "script.code");
    await rejects(build({ script: { code: "", name: "a/b.py" } }), "script.name", /contains \//);
    await rejects(build({ script: { code: "", name: ".." } }), "script.name");
  });
});

describe("uv options", () => {
  it("turns dependencies into --with flags and python into --python, before the script", async () => {
    const spec = await build({ script: "https://x.test/a.py", dependencies: ["trl>=0.12", "peft"], python: "3.11", args: ["-v"] });
    expect(spec.command).toEqual(["uv", "run", "--with", "trl>=0.12", "--with", "peft", "--python", "3.11", "https://x.test/a.py", "-v"]);
  });

  it("rejects dependencies and python values uv would read as options", async () => {
    await rejects(build({ script: "python", dependencies: ["ok", "--index-url=x"] }), "dependencies[1]");
    await rejects(build({ script: "python", dependencies: [""] }), "dependencies[0]");
    await rejects(build({ script: "python", python: "--system" }), "python");
    await rejects(build({ script: "python", args: "a b" as unknown as string[] }), "args");
  });

  it("honours an image override", async () => {
    const spec = await build({ script: "python", image: "ghcr.io/astral-sh/uv:python3.11-bookworm-slim" });
    expect(spec.image).toBe("ghcr.io/astral-sh/uv:python3.11-bookworm-slim");
  });

  it("keeps PYTHONUNBUFFERED when the caller sets it", async () => {
    expect((await build({ script: "python", env: { PYTHONUNBUFFERED: "0" } })).env).toEqual({ PYTHONUNBUFFERED: "0" });
    expect((await build({ script: "python", env: { A: "b" } })).env).toEqual({ A: "b", PYTHONUNBUFFERED: "1" });
  });

  it("passes every other run option through", async () => {
    const volumes = [{ type: "dataset", source: "org/ds", mountPath: "/ds" }];
    const spec = await build({
      script: "python",
      flavor: "a10g-small",
      timeout: "90m",
      env: { A: "1" },
      secrets: { HF_TOKEN: "hf_secret" },
      labels: { team: "nlp" },
      volumes,
      expose: [8000],
      arch: "arm64",
      attempts: 2,
      resourceGroupId: "rg1",
      ssh: true,
      namespace: "my-org",
      name: "my-job",
    });
    expect(spec).toEqual({
      image: UV_IMAGE,
      command: ["uv", "run", "python"],
      env: { A: "1", PYTHONUNBUFFERED: "1" },
      secrets: { HF_TOKEN: "hf_secret" },
      flavor: "a10g-small",
      timeout: "90m",
      name: "my-job",
      labels: { team: "nlp" },
      volumes,
      expose: [8000],
      arch: "arm64",
      attempts: 2,
      resourceGroupId: "rg1",
      ssh: true,
      namespace: "my-org",
    });
    // The result is a valid run spec for the client.
    expect(buildRunBody(spec).labels).toEqual({ team: "nlp", name: "my-job" });
  });

  it("does not add a default name when labels.name is given", async () => {
    const spec = await build({ script: "python", labels: { name: "from-label" } });
    expect(spec.name).toBeUndefined();
    expect(spec.labels).toEqual({ name: "from-label" });
  });

  it("refuses the payload's reserved variable names", async () => {
    await rejects(build({ script: "python", env: { [PAYLOAD_ENV_PREFIX]: "x" } }), `env.${PAYLOAD_ENV_PREFIX}`);
    await rejects(build({ script: "python", secrets: { [`${PAYLOAD_ENV_PREFIX}_0`]: "x" } }), `secrets.${PAYLOAD_ENV_PREFIX}_0`);
  });

  it("refuses an argument that cannot arrive unchanged (over 128 KiB, NUL, lone surrogate)", async () => {
    await rejects(build({ script: "python", args: ["ok", "x".repeat(131072)] }), "args[1]", /131071 bytes/);
    await rejects(build({ script: "python", args: ["a\0b"] }), "args[0]", /NUL/);
    await rejects(build({ script: "python", args: ["ok", "\ud800"] }), "args[1]", /Unicode/);
    // The limit is on UTF-8 bytes, not characters.
    await rejects(build({ script: "python", args: ["é".repeat(65536)] }), "args[0]");
    expect((await build({ script: "python", args: ["x".repeat(131071)] })).command).toHaveLength(4);
  });
});

describe("total size of arguments and environment (Linux ARG_MAX)", () => {
  // Counted independently of src/uv.ts, as Linux does at execve: UTF-8 bytes + NUL + 8-byte pointer.
  const LIMIT = 1.5 * 1024 * 1024;
  const cost = (s: string) => Buffer.byteLength(s, "utf8") + 1 + 8;
  const bigArgs = (count: number, length: number) => Array.from({ length: count }, (_, i) => String(i % 10).repeat(length));

  it("rejects a dozen large arguments plus a full payload before any request, naming args", async () => {
    const { io, reads } = memIo({ "a.py": "print(1)\n", "data.bin": new Uint8Array(MAX_SHIPPED_BYTES - 9) });
    // Each argument is under the 128 KiB per-string limit; together with the payload they are not under ARG_MAX.
    const error = await rejects(
      buildUvRunSpec({ script: "a.py", files: ["data.bin"], args: bigArgs(12, 100_000) }, io),
      "args",
      /1572864-byte \(1\.5 MiB\) limit.*ARG_MAX/,
    );
    expect(error.message).toMatch(/args 1200108/);
    expect(error.message).toMatch(/files \d+/);
    expect(reads.length).toBeGreaterThan(0);
  });

  it("makes runUv fail before any request", async () => {
    const sent: string[] = [];
    const client = new JobsClient({
      token: "hf_test",
      endpoint: "https://hub.test",
      fetch: async (input) => {
        sent.push(String(input));
        throw new Error("no request expected");
      },
    });
    await rejects(client.runUv({ script: "python", args: bigArgs(14, 120_000) }), "args", /ARG_MAX/);
    expect(sent).toEqual([]);
  });

  it("names env or secrets when they take the most room, without printing a value", async () => {
    const values = Object.fromEntries(bigArgs(14, 120_000).map((v, i) => [`VAR_${i}`, v]));
    await rejects(build({ script: "python", env: values }), "env", /over the 1572864-byte/);
    const error = await rejects(build({ script: "python", secrets: values }), "secrets", /over the 1572864-byte/);
    expect(error.message).not.toContain("0".repeat(100));
  });

  it("names the shipped files when they take the most room", async () => {
    const files = { "a.py": "print(1)\n", "data.bin": new Uint8Array(MAX_SHIPPED_BYTES - 9) };
    const io = memIo(files).io;
    // About 683 KiB of payload, 585 KiB of env and 293 KiB of arguments.
    const env = Object.fromEntries(bigArgs(5, 120_000).map((v, i) => [`VAR_${i}`, v]));
    await rejects(buildUvRunSpec({ script: "a.py", files: ["data.bin"], env, args: bigArgs(3, 100_000) }, io), "files", /files \d+/);
    await rejects(buildUvRunSpec({ script: "data.bin", env, args: bigArgs(3, 100_000) }, io), "script", /script \d+/);
  });

  it("accepts exactly the limit and rejects one byte more", async () => {
    // uv run python, PYTHONUNBUFFERED=1, then 13 arguments of 120000 bytes and one to fill up.
    const fixed = cost("uv") + cost("run") + cost("python") + cost("PYTHONUNBUFFERED=1");
    const filler = LIMIT - fixed - 13 * cost("x".repeat(120_000)) - cost("");
    const args = [...bigArgs(13, 120_000), "y".repeat(filler)];
    expect((await build({ script: "python", args })).command).toHaveLength(3 + 14);
    await rejects(build({ script: "python", args: [...args.slice(0, -1), "y".repeat(filler + 1)] }), "args", /1572865 bytes/);
  });

  it("rejects a single env or secret entry over Linux's 128 KiB per-string limit, naming it", async () => {
    // "NAME=value" plus the NUL: 131072 bytes is one too many.
    await rejects(build({ script: "python", env: { BIG: "x".repeat(131072 - 4) } }), "env.BIG", /131071 bytes/);
    await rejects(build({ script: "python", secrets: { BIG: "é".repeat(65534) } }), "secrets.BIG", /131071 bytes/);
    expect((await build({ script: "python", env: { BIG: "x".repeat(131072 - 5) } })).env?.BIG).toHaveLength(131067);
  });
});

describe("extra files", () => {
  it("ships files next to the script under their base names", async () => {
    const spec = await build(
      { script: "train.py", files: ["configs/sft.yaml", "lib/utils.py"], args: ["--config", "sft.yaml"] },
      { "train.py": "import utils\n", "configs/sft.yaml": "lr: 1\n", "lib/utils.py": "X = 1\n" },
    );
    expect(shipped(spec).map((f) => f.name)).toEqual(["train.py", "sft.yaml", "utils.py"]);
    expect(spec.command).toEqual(bootstrapCommand(["train.py", "--config", "sft.yaml"]));
    // sft.yaml names a shipped file, so it points at the copy like the script does.
    expect(jobArgv(spec.command ?? [], spec.env ?? {})).toEqual(["<files>/train.py", "--config", "<files>/sft.yaml"]);
  });

  it("ships files with a URL or command script too", async () => {
    const spec = await build({ script: "lighteval", files: ["tasks.py"], args: ["--custom-tasks", "tasks.py"] }, { "tasks.py": "T = []\n" });
    expect(spec.command).toEqual(bootstrapCommand(["lighteval", "--custom-tasks", "tasks.py"]));
    expect(jobArgv(spec.command ?? [], spec.env ?? {})).toEqual(["lighteval", "--custom-tasks", "<files>/tasks.py"]);
    expect(shipped(spec).map((f) => f.name)).toEqual(["tasks.py"]);
  });

  it("ships unicode names and non-UTF-8 contents", async () => {
    const binary = new Uint8Array([0xff, 0x00, 0xfe, 0x0a]);
    const spec = await build({ script: "entraîner.py", files: ["données 😀.bin"] }, { "entraîner.py": "", "données 😀.bin": binary });
    const files = decodeFilesPayload(spec.env ?? {});
    expect(files.map((f) => f.name)).toEqual(["entraîner.py", "données 😀.bin"]);
    expect(Buffer.compare(Buffer.from(files[1]?.content ?? []), Buffer.from(binary))).toBe(0);
    expect(spec.command).toEqual(bootstrapCommand(["entraîner.py"]));
  });

  it("ignores the same file listed twice, and rejects two files with the same base name", async () => {
    const once = await build({ script: "a.py", files: ["a.py", "./c.yaml", "c.yaml"] }, { "a.py": "", "c.yaml": "" });
    expect(shipped(once).map((f) => f.name)).toEqual(["a.py", "c.yaml"]);
    await rejects(build({ script: "a.py", files: ["x/c.yaml", "y/c.yaml"] }, { "a.py": "", "x/c.yaml": "", "y/c.yaml": "" }), "files", /both be shipped as "c.yaml"/);
    await rejects(build({ script: { code: "" }, files: ["lib/script.py"] }, { "lib/script.py": "" }), "files", /the inline script/);
  });

  it("rejects a missing or non-regular extra file before any read", async () => {
    const { io, reads } = memIo({ "a.py": "", "dir/x": "" });
    await rejects(buildUvRunSpec({ script: "a.py", files: ["nope.yaml"] }, io), "files[0]", /does not exist/);
    await rejects(buildUvRunSpec({ script: "a.py", files: ["dir"] }, io), "files[0]", /not a regular file/);
    expect(reads).toEqual([]);
  });

  it(`enforces the ${MAX_SHIPPED_BYTES / 1024} KiB total before reading anything, blaming the right field`, async () => {
    const big = new Uint8Array(MAX_SHIPPED_BYTES);
    const { io, reads } = memIo({ "a.py": "print(1)\n", "big.bin": big, "huge.py": new Uint8Array(MAX_SHIPPED_BYTES + 1) });
    await rejects(buildUvRunSpec({ script: "a.py", files: ["big.bin"] }, io), "files", /over the 524288-byte \(512 KiB\) limit/);
    await rejects(buildUvRunSpec({ script: "huge.py" }, io), "script", /limit/);
    await rejects(buildUvRunSpec({ script: { code: "x".repeat(MAX_SHIPPED_BYTES + 1) } }, io), "script", /limit/);
    expect(reads).toEqual([]);
    // Exactly at the limit is fine.
    const ok = await buildUvRunSpec({ script: "python", files: ["big.bin"] }, io);
    expect(decodeFilesPayload(ok.env ?? {})[0]?.content.byteLength).toBe(MAX_SHIPPED_BYTES);
  });

  it("refuses to ship a file holding a Hugging Face token, without printing it", async () => {
    const token = `hf_${"A1b2C3d4E5".repeat(4)}`;
    const error = await rejects(build({ script: "a.py", files: ["cfg.yaml"] }, { "a.py": "", "cfg.yaml": `token: ${token}\n` }), "files", /cfg.yaml/);
    expect(error.message).not.toContain(token);
    await rejects(build({ script: { code: `TOKEN = "${token}"` } }), "script");
  });
});

describe("PEP 723 [tool.hf-jobs] defaults", () => {
  const trainPy = join(FIXTURES, "train.py");

  it("applies the table of a real fixture script; PEP 723 dependencies are left to uv", async () => {
    const spec = await buildUvRunSpec({ script: trainPy, args: ["--epochs", "1"] }, { env: { HF_TOKEN: "hf_local_value" } });
    expect(spec.command).toEqual(bootstrapCommand(["train.py", "--epochs", "1"]));
    expect(spec.command).not.toContain("--with");
    expect(spec.flavor).toBe("a10g-small");
    expect(spec.timeout).toBe("2h");
    expect(spec.image).toBe(UV_IMAGE);
    expect(spec.env).toMatchObject({ WANDB_PROJECT: "sft", PYTHONUNBUFFERED: "1" });
    expect(spec.secrets).toEqual({ HF_TOKEN: "hf_local_value" });
    expect(spec.labels).toEqual({ team: "nlp" });
    expect(spec.volumes).toEqual([{ type: "dataset", source: "org/corpus", mountPath: "/corpus" }]);
    expect(shipped(spec)[0]?.text).toBe(await readFile(trainPy, "utf8"));
    expect(buildRunBody(spec).timeoutSeconds).toBe(7200);
  });

  it("lets explicit options win; maps merge key by key", async () => {
    const spec = await buildUvRunSpec(
      {
        script: trainPy,
        flavor: "cpu-upgrade",
        timeout: 60,
        image: "python:3.12",
        env: { WANDB_PROJECT: "mine", EXTRA: "1" },
        secrets: { HF_TOKEN: "explicit" },
        labels: { team: "cv" },
        volumes: [],
        name: "run-1",
      },
      { env: {} }, // HF_TOKEN unset locally: fine, the explicit secret wins
    );
    expect(spec).toMatchObject({
      flavor: "cpu-upgrade",
      timeout: 60,
      image: "python:3.12",
      secrets: { HF_TOKEN: "explicit" },
      labels: { team: "cv" },
      volumes: [],
      name: "run-1",
    });
    expect(spec.env).toMatchObject({ WANDB_PROJECT: "mine", EXTRA: "1" });
  });

  it("names a secret missing from the local environment, never a value", async () => {
    const error = await rejects(buildUvRunSpec({ script: trainPy }, { env: { OTHER: "hf_should_not_show" } }), "tool.hf-jobs.secrets", /HF_TOKEN/);
    expect(error.message).not.toContain("hf_should_not_show");
  });

  it("prefers an explicit name over a name label from the table", async () => {
    const code = ["# /// script", "# [tool.hf-jobs]", '# labels = { name = "from-table", team = "x" }', "# ///", ""].join("\n");
    expect((await build({ script: { code } })).labels).toEqual({ name: "from-table", team: "x" });
    const spec = await build({ script: { code }, name: "explicit" });
    expect(spec.name).toBe("explicit");
    expect(buildRunBody(spec).labels).toEqual({ team: "x", name: "explicit" });
  });

  it("reads the table of inline code and its image", async () => {
    const code = ["# /// script", "# [tool.hf-jobs]", '# image = "ghcr.io/astral-sh/uv:python3.13-bookworm"', "# ///", "print(1)"].join("\n");
    expect((await build({ script: { code } })).image).toBe("ghcr.io/astral-sh/uv:python3.13-bookworm");
  });

  it("uses no defaults for a script without metadata or without the table", async () => {
    for (const name of ["plain.py", "no-table.py"]) {
      const spec = await buildUvRunSpec({ script: join(FIXTURES, name) }, { env: {} });
      expect(spec.flavor).toBeUndefined();
      expect(Object.keys(spec.env ?? {}).filter((k) => !k.startsWith(PAYLOAD_ENV_PREFIX))).toEqual(["PYTHONUNBUFFERED"]);
      expect(spec.command).not.toContain("--with");
    }
  });

  it("reports malformed TOML with the script and the line", async () => {
    const malformed = join(FIXTURES, "malformed.py");
    await rejects(buildUvRunSpec({ script: malformed }, { env: {} }), "script", new RegExp(`${malformed.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} line 7: malformed TOML`));
  });
});

describe("default name, as the Python client derives it", () => {
  // Written apart from the SDK: SHA-256 of the script and its arguments, NUL-separated.
  const hash = (script: string, args: string[]) => createHash("sha256").update([script, ...args].join("\0")).digest("hex").slice(0, 8);

  it.each([
    ["eval.v2.py", "eval-v2"],
    ["my script.py", "my-script"],
    ["a..b.py", "a--b"],
    ["entraîner.py", "entra-ner"],
    ["run.sh", "run-sh"],
    ["https://e.test/x/sft.py?raw=1#top", "sft"],
    ["https://e.test/x/v1.2/", "v1-2"],
    ["lighteval", "lighteval"],
  ])("names %s %s-<hash> (names are also stored as tags: letters, digits, - and _)", async (script, base) => {
    const args = ["--x", "1"];
    const files = /^https?:|^lighteval$/.test(script) ? {} : { [script]: "" };
    const spec = await build({ script, args }, files);
    expect(spec.name).toBe(`${base}-${hash(script, args)}`);
    expect(buildRunBody(spec).labels?.name).toBe(spec.name);
  });

  it("names inline code after its file name", async () => {
    const spec = await build({ script: { code: "", name: "job.v1.py" } });
    expect(spec.name).toBe(`job-v1-${hash("job.v1.py", [])}`);
  });

  it("keeps a long name within the 100 characters of a label", async () => {
    const script = `${"a".repeat(120)}.py`;
    const spec = await build({ script }, { [script]: "" });
    expect(spec.name).toBe(`${"a".repeat(91)}-${hash(script, [])}`);
    expect(buildRunBody(spec).labels?.name).toHaveLength(100);
  });
});

describe("arguments that name local files (the Python client's rule)", () => {
  const argv = (spec: RunSpec) => jobArgv(spec.command ?? [], spec.env ?? {});

  it("ships an argument naming a local file and points it at the copy", async () => {
    const spec = await build({ script: "train.py", args: ["--config", "config.yaml"] }, { "train.py": "print(1)\n", "config.yaml": "lr: 1\n" });
    expect(shipped(spec)).toEqual([
      { name: "train.py", text: "print(1)\n", executable: false },
      { name: "config.yaml", text: "lr: 1\n", executable: false },
    ]);
    expect(argv(spec)).toEqual(["<files>/train.py", "--config", "<files>/config.yaml"]);
    // The name is still derived from what the caller wrote.
    expect(spec.name).toBe(defaultNameFromScript("train.py", ["--config", "config.yaml"]));
  });

  it("ships any existing file, whatever its extension or directory, under its base name", async () => {
    const spec = await build({ script: "python", args: ["prep.py", "data/rows.csv", "-o", "out"] }, { "prep.py": "", "data/rows.csv": "a,b\n" });
    expect(shipped(spec).map((f) => f.name)).toEqual(["prep.py", "rows.csv"]);
    expect(argv(spec)).toEqual(["python", "<files>/prep.py", "<files>/rows.csv", "-o", "out"]);
  });

  it("refuses an argument that looks like a local file but names none, before reading anything, naming files", async () => {
    const { io, reads } = memIo({ "a.py": "" });
    for (const [i, arg] of [
      [1, "missing.yaml"],
      [1, "/app/train.py"],
      [1, "sub/run.sh"],
      [1, "--config=x.toml"],
      [1, "c.yml"],
    ] as const) {
      const args = ["--config", arg];
      const error = await rejects(buildUvRunSpec({ script: "a.py", args }, io), `args[${i}]`, /does not exist/);
      expect(error.detail).toMatch(/`files`/);
      expect(error.detail).toMatch(/shipArgs: false/);
    }
    await rejects(buildUvRunSpec({ script: "a.py", args: ["pkg.py"] }, memIo({ "a.py": "", "pkg.py/__init__.py": "" }).io), "args[0]", /not a regular file/);
    expect(reads).toEqual([]);
  });

  it("sends other arguments unchanged: URLs, other suffixes (case-sensitive, as in Python), directories, words", async () => {
    const args = ["https://e.test/c.yaml", "http://e.test/x.py", "CONFIG.YAML", "notes.txt", "v0.5", "data", "--lr", "1e-4", ".py", ""];
    const spec = await build({ script: "a.py", args }, { "a.py": "", "data/x": "" });
    expect(argv(spec)).toEqual(["<files>/a.py", ...args]);
    expect(shipped(spec).map((f) => f.name)).toEqual(["a.py"]);
  });

  it("points an argument equal to the name of a file in `files` at that file", async () => {
    const spec = await build({ script: "a.py", files: ["configs/sft.yaml"], args: ["sft.yaml", "a.py"] }, { "a.py": "", "configs/sft.yaml": "" });
    expect(argv(spec)).toEqual(["<files>/a.py", "<files>/sft.yaml", "<files>/a.py"]);
    expect(shipped(spec).map((f) => f.name)).toEqual(["a.py", "sft.yaml"]);
  });

  it("ships a file named twice once, and refuses two files that would share a name", async () => {
    const once = await build({ script: "a.py", args: ["c.yaml", "./c.yaml"], files: ["c.yaml"] }, { "a.py": "", "c.yaml": "" });
    expect(shipped(once).map((f) => f.name)).toEqual(["a.py", "c.yaml"]);
    expect(argv(once)).toEqual(["<files>/a.py", "<files>/c.yaml", "<files>/c.yaml"]);
    await rejects(build({ script: "a.py", args: ["x/c.yaml", "y/c.yaml"] }, { "a.py": "", "x/c.yaml": "", "y/c.yaml": "" }), "args[1]", /both be shipped as "c.yaml"/);
  });

  it("with shipArgs: false, sends arguments unchanged and reads nothing for them", async () => {
    const { io, reads } = memIo({ "config.yaml": "lr: 1\n" });
    const spec = await buildUvRunSpec({ script: "python", args: ["/app/train.py", "config.yaml"], shipArgs: false }, io);
    expect(spec.command).toEqual(["uv", "run", "python", "/app/train.py", "config.yaml"]);
    expect(reads).toEqual([]);
    await rejects(build({ script: "python", shipArgs: "no" as unknown as boolean }), "shipArgs");
  });

  it("counts argument files in the shipped total and refuses one holding a token", async () => {
    const big = { "a.py": "x", "big.bin": new Uint8Array(MAX_SHIPPED_BYTES) };
    await rejects(build({ script: "a.py", args: ["big.bin"] }, big), "files", /512 KiB/);
    const token = `hf_${"Zy9x".repeat(9)}`;
    const error = await rejects(build({ script: "a.py", args: ["-c", "env.yaml"] }, { "a.py": "", "env.yaml": `t: ${token}` }), "args[1]", /env\.yaml/);
    expect(error.message).not.toContain(token);
  });
});

describe("a token in a shipped file is caught like one in env", () => {
  const token = `hf_${"AbCdEfGh12".repeat(3)}XyZw`;
  const oauth = `hf_oauth_${"a1B2c3D4e5".repeat(4)}`;
  const envRefused = (value: string) => {
    try {
      buildRunBody({ image: "python:3.12", env: { V: value } });
      return false;
    } catch (error) {
      if (error instanceof ValidationError && error.field === "env.V") return true;
      throw error;
    }
  };
  const fileRefused = async (text: string) => {
    try {
      await build({ script: "a.py", files: ["f.txt"] }, { "a.py": "", "f.txt": text });
      return false;
    } catch (error) {
      if (error instanceof ValidationError && error.field === "files") return true;
      throw error;
    }
  };

  it.each([
    ["a user token", token],
    ["an OAuth token", oauth],
  ])("%s: refused in env and in a file", async (_, value) => {
    expect(envRefused(value)).toBe(true);
    expect(await fileRefused(value)).toBe(true);
  });

  it("uses the one token pattern for file contents, in every form a token is written", async () => {
    const samples = [
      token,
      oauth,
      `${token}\n`,
      ` ${token}`,
      `Authorization: Bearer ${token}`,
      `"${token}"`,
      `{"token":"${oauth}"}`,
      `token=${encodeURIComponent(token)}&x=1`,
      "import hf_transfer",
      "HF_HUB_ENABLE_HF_TRANSFER=1",
      "load_hf_dataset_with_retries(name)",
      "plain text",
    ];
    for (const sample of samples) expect(await fileRefused(sample), sample).toBe(looksLikeToken(sample));
    expect(samples.filter(looksLikeToken)).toHaveLength(8);
  });
});

describe("the client's own token in a shipped file is refused where the token is known", () => {
  // Not hf_-shaped: only a comparison with the client's token can catch it.
  const CORP_TOKEN = "corp-token-0000-1111-2222";
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hf-jobs-uv-token-"));
    writeFileSync(join(dir, "job.py"), `TOKEN = "${CORP_TOKEN}"\n`);
    writeFileSync(join(dir, "cfg.yaml"), `auth: Bearer ${CORP_TOKEN}\n`);
    // The token straddles the first payload chunk: each file is cut every 49,152 bytes.
    const cut = (PAYLOAD_CHUNK_CHARS / 4) * 3;
    writeFileSync(join(dir, "big.txt"), `${"x".repeat(cut - 5)}${CORP_TOKEN}\n`);
    writeFileSync(join(dir, "clean.py"), "print('clean')\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function client(token: string) {
    const sent: string[] = [];
    const c = new JobsClient({
      token,
      namespace: "ns",
      endpoint: "https://hub.test",
      maxRetries: 0,
      fetch: async (input, init) => {
        const request = input instanceof Request ? input : new Request(input, init);
        sent.push(`${request.method} ${request.url}`);
        return new Response(JSON.stringify({ error: "refused by the test" }), { status: 400, headers: { "content-type": "application/json" } });
      },
    });
    return { client: c, sent };
  }

  const cases: Array<[string, () => UvSpec, string]> = [
    ["the script", () => ({ script: join(dir, "job.py") }), "job.py"],
    ["a listed file, with Bearer in front", () => ({ script: join(dir, "clean.py"), files: [join(dir, "cfg.yaml")] }), "cfg.yaml"],
    ["a file argument, across a payload chunk boundary", () => ({ script: join(dir, "clean.py"), args: [join(dir, "big.txt")] }), "big.txt"],
  ];
  it.each(cases)("runUv refuses %s: before any request, without printing the token", async (_, spec, name) => {
    const { client: c, sent } = client(CORP_TOKEN);
    const error = await rejects(c.runUv(spec()), "files", new RegExp(`"${name.replace(".", "\\.")}"`));
    expect(error.message).toMatch(/secrets/);
    expect(error.message).not.toContain(CORP_TOKEN);
    expect(sent).toEqual([]);
  });

  it("sends the same files for a client with another token (the check compares, it does not guess)", async () => {
    const { client: c, sent } = client("other-token-9999-8888");
    await expect(c.runUv({ script: join(dir, "job.py"), files: [join(dir, "cfg.yaml")] })).rejects.toThrow(/refused by the test/);
    expect(sent).toEqual(["POST https://hub.test/api/jobs/ns"]);
  });
});
