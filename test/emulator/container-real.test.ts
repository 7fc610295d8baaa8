// Container mode with a real engine: jobs run in a local image, with their logs, exit codes,
// cancel, timeout, variables and secrets. The engine is the one named by HF_JOBS_TEST_ENGINE
// (scripts/prepare-engine.sh prepares podman and prints the variables); without it these tests are
// skipped, and with it they fail if that engine does not answer.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { StreamReader, api, createJob, dataLines, getJob, spec, start, waitFor, waitStage, waitTerminal } from "./helpers.js";

const ENGINE = process.env.HF_JOBS_TEST_ENGINE;
const IMAGE = process.env.HF_JOBS_TEST_IMAGE;
const words = (value: string | undefined): string[] => (value ?? "").split(/\s+/).filter((w) => w !== "");
const ENGINE_ARGS = words(process.env.HF_JOBS_TEST_ENGINE_ARGS);
const RUN_ARGS = words(process.env.HF_JOBS_TEST_RUN_ARGS);

if (ENGINE !== undefined && ENGINE !== "podman" && ENGINE !== "docker") {
  throw new Error(`HF_JOBS_TEST_ENGINE must be podman or docker, got "${ENGINE}"`);
}
if (ENGINE !== undefined && !IMAGE) throw new Error("HF_JOBS_TEST_ENGINE is set but HF_JOBS_TEST_IMAGE is not");
const engine = ENGINE;
const execFileAsync = promisify(execFile);
const SKIP_NOTICE =
  "container-mode tests with a real engine SKIPPED: no engine prepared (run `eval \"$(bash scripts/prepare-engine.sh)\"` as root, or set HF_JOBS_TEST_ENGINE and HF_JOBS_TEST_IMAGE)";
if (engine === undefined) console.warn(SKIP_NOTICE);

const SECRET = "real-s3cr3t-value-never-printed";

/** Log messages of the complete events received so far. */
function messages(text: string): string[] {
  return dataLines(text.slice(0, text.lastIndexOf("\n\n") + 1)).map((l) => (JSON.parse(l) as { data: string }).data);
}

/** Reads the job's log stream until `done` holds for its messages; returns them. */
async function logsWhere(emu: Emulator, id: string, done: (lines: string[]) => boolean, timeoutMs = 20_000): Promise<string[]> {
  const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${id}/logs`);
  try {
    return messages(await reader.until((t) => done(messages(t)), timeoutMs));
  } finally {
    await reader.close();
  }
}

/** Reads the job's log stream until every expected message arrived; returns all messages. */
function logsUntil(emu: Emulator, id: string, expected: string[]): Promise<string[]> {
  return logsWhere(emu, id, (lines) => expected.every((e) => lines.includes(e)));
}

/** Names of the emulator's containers the engine still knows, running or not. */
async function containers(): Promise<string[]> {
  if (engine === undefined) return [];
  const args = [...ENGINE_ARGS, "ps", "-a", "--filter", "label=hf-jobs-emulator=1", "--format", "{{.Names}}"];
  const { stdout } = await execFileAsync(engine, args, { encoding: "utf8", timeout: 30_000 });
  return stdout.split("\n").filter((l) => l !== "");
}

async function containerOf(jobId: string): Promise<string | undefined> {
  return (await containers()).find((n) => n.endsWith(`-${jobId}`));
}

/** Resolves once the engine no longer knows the job's container. */
function containerGone(jobId: string): Promise<true> {
  return waitFor(async () => ((await containerOf(jobId)) === undefined ? true : undefined), 30_000, 200);
}

/** Every process's command line on this machine, joined. */
function allCommandLines(): string {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
    } catch {
      // The process ended while we looked.
    }
  }
  return out.join("\n");
}

function startReal(): Promise<Emulator> {
  if (engine === undefined || IMAGE === undefined) throw new Error("no engine");
  return start({ containerEngine: engine, containerEngineArgs: ENGINE_ARGS, containerRunArgs: RUN_ARGS });
}

const job = (command: string[], extra: Record<string, unknown> = {}) => spec(command, { dockerImage: IMAGE, ...extra });

describe.skipIf(engine === undefined)(`container mode with a real engine (${engine ?? "none prepared"}, ${IMAGE ?? "no image"})`, () => {
  // Started by the first test and shared; every test fails, one by one, when the prepared engine
  // does not answer (a failing beforeAll would report them as skipped).
  let shared: Promise<Emulator> | undefined;
  let emu: Emulator;

  beforeEach(async () => {
    shared ??= startReal();
    emu = await shared;
  }, 60_000);

  afterAll(async () => {
    await (await shared?.catch(() => undefined))?.close();
  }, 60_000);

  it("runs the command inside the image and streams stdout and stderr; exit 0 is COMPLETED", async () => {
    const created = await createJob(emu, job(["sh", "-c", 'echo "pid1=$(tr "\\0" " " < /proc/1/cmdline)"; echo to-stdout; echo to-stderr >&2; printf last-without-newline'], { arguments: [] }));
    const done = await waitTerminal(emu, created.id, 30_000);
    expect(done.status).toMatchObject({ stage: "COMPLETED", message: null });
    const lines = await logsUntil(emu, created.id, ["to-stdout", "to-stderr", "last-without-newline"]);
    // The job's own command is process 1: it ran in a container, not on this host.
    expect(lines.find((l) => l.startsWith("pid1="))).toMatch(/^pid1=sh -c /);
    expect(await containerOf(created.id)).toBeUndefined();
  }, 60_000);

  it("passes arguments after the command, and a non-zero exit code ends in ERROR with that code", async () => {
    const created = await createJob(emu, job(["sh", "-c", 'echo "args=$*"; exit 7', "sh"], { arguments: ["--epochs", "2"] }));
    const done = await waitTerminal(emu, created.id, 30_000);
    expect(done.status).toMatchObject({ stage: "ERROR", message: "Job failed with exit code: 7" });
    expect(await logsUntil(emu, created.id, ["args=--epochs 2"])).toContain("args=--epochs 2");
  }, 60_000);

  it("sets the job's variables and secrets inside the container, never on a command line, and nothing of the host's", async () => {
    process.env.HF_JOBS_HOST_ONLY = "host-only-value";
    const created = await createJob(
      emu,
      job(
        [
          "sh",
          "-c",
          'test "$(printf %s "$MY_SECRET" | sha256sum | cut -d " " -f 1)" = "$EXPECTED_SHA256" && echo secret-ok; echo "foo=$FOO"; echo "job-id=$JOB_ID"; echo "host-only=[$HF_JOBS_HOST_ONLY]"; echo ready; sleep 60',
        ],
        { environment: { FOO: "bar baz=qux", EXPECTED_SHA256: createHash("sha256").update(SECRET).digest("hex") }, secrets: { MY_SECRET: SECRET } },
      ),
    );
    try {
      const lines = await logsUntil(emu, created.id, ["ready"]);
      expect(lines).toEqual(expect.arrayContaining(["secret-ok", "foo=bar baz=qux", `job-id=${created.id}`, "host-only=[]"]));
      // While the container runs, no process on this machine shows the value in its argv.
      expect(allCommandLines()).not.toContain(SECRET);
      expect(JSON.stringify(await getJob(emu, created.id))).not.toContain(SECRET);
    } finally {
      delete process.env.HF_JOBS_HOST_ONLY;
      await api(emu)(`/api/jobs/${emu.namespace}/${created.id}/cancel`, { method: "POST" });
      await containerGone(created.id);
    }
  }, 60_000);

  it("cancel: CANCELED at once, SIGTERM reaches the job inside the container, and the container is gone", async () => {
    const created = await createJob(emu, job(["sh", "-c", 'trap "echo got-sigterm; exit 0" TERM; echo ready; while :; do sleep 1; done']));
    await logsUntil(emu, created.id, ["ready"]);
    expect(await containerOf(created.id)).toBeDefined();
    const res = await api(emu)(`/api/jobs/${emu.namespace}/${created.id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: { stage: string } }).status.stage).toBe("CANCELED");
    expect(await logsUntil(emu, created.id, ["got-sigterm"])).toContain("got-sigterm");
    await containerGone(created.id);
    await waitFor(() => (emu.jobs() === 0 ? true : undefined), 30_000, 100);
    expect((await getJob(emu, created.id)).status.stage).toBe("CANCELED");
  }, 60_000);

  it("cancel of a job that ignores SIGTERM (process 1 without a handler): the container is removed after the grace period", async () => {
    const created = await createJob(emu, job(["sleep", "600"]));
    await waitFor(() => containerOf(created.id), 30_000, 200);
    await api(emu)(`/api/jobs/${emu.namespace}/${created.id}/cancel`, { method: "POST" });
    await containerGone(created.id);
    expect((await getJob(emu, created.id)).status.stage).toBe("CANCELED");
  }, 60_000);

  it("timeoutSeconds: ERROR with `Job timeout`, and the container is removed", async () => {
    const created = await createJob(emu, job(["sleep", "600"], { timeoutSeconds: 1 }));
    const done = await waitTerminal(emu, created.id, 30_000);
    expect(done.status).toMatchObject({ stage: "ERROR", message: "Job timeout" });
    await containerGone(created.id);
  }, 60_000);

  it("an image that is not there locally ends in ERROR with the engine's message in the log", async () => {
    const created = await createJob(emu, spec(["true"], { dockerImage: "localhost/hf-jobs-no-such-image:latest" }));
    const done = await waitTerminal(emu, created.id, 60_000);
    expect(done.status.stage).toBe("ERROR");
    expect(done.status.message).toMatch(/^Job failed with exit code: \d+$/);
    const lines = await logsWhere(emu, created.id, (l) => l.some((m) => m.includes("hf-jobs-no-such-image")));
    expect(lines.join("\n")).toMatch(/hf-jobs-no-such-image/);
  }, 60_000);

  it("close() resolves only once the running containers are gone", async () => {
    const own = await startReal();
    const created = await createJob(own, job(["sleep", "600"]));
    await waitStage(own, created.id, "RUNNING");
    await waitFor(() => containerOf(created.id), 30_000, 200);
    await own.close();
    expect(await containerOf(created.id)).toBeUndefined();
  }, 60_000);
});
