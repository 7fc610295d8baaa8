// Container mode against a fake `docker` on PATH (no engine runs on CI): the `run` invocation, and
// force-removal of the container on cancel and on close, which waits for it.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { api, createJob, spec, start, waitFor, waitStage } from "./helpers.js";

const SECRET = "s3cr3t-value-do-not-leak";
let dir: string;
let savedPath: string | undefined;

/** Every recorded invocation of the fake engine, as its argv. */
function invocations(): string[][] {
  const file = join(dir, "argv.log");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\x1f").slice(0, -1));
}

function removed(): string[] {
  const file = join(dir, "removed.log");
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [];
}

/** The `run` argv of the job whose container name ends with its id. */
function runOf(jobId: string): string[] | undefined {
  return invocations().find((a) => a[0] === "run" && a[a.indexOf("--name") + 1]?.endsWith(jobId));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fake-docker-"));
  const script = `#!/bin/sh
dir='${dir}'
for a in "$@"; do printf '%s\\037' "$a"; done >> "$dir/argv.log"
printf '\\n' >> "$dir/argv.log"
case "$1" in
  info) exit 0 ;;
  run)
    printf '%s' "$HF_SECRET" > "$dir/secret-seen"
    # Like a container that ignores SIGTERM: only the force-removal stops it.
    trap '' TERM
    echo "fake container started"
    sleep 30
    ;;
  rm)
    sleep 0.4
    printf '%s\\n' "$3" >> "$dir/removed.log"
    ;;
esac
`;
  writeFileSync(join(dir, "docker"), script);
  chmodSync(join(dir, "docker"), 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = `${dir}:${savedPath ?? ""}`;
});

afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

function startDocker(): Promise<Emulator> {
  return start({ containerEngine: "docker", killGraceMs: 100 });
}

describe("container mode (fake docker)", () => {
  it("runs `docker run --rm` with the entrypoint, env by name only, the image and the command", async () => {
    const emu = await startDocker();
    try {
      const job = await createJob(
        emu,
        spec(["python", "-c", "print(1)"], { arguments: ["--epochs", "2"], environment: { FOO: "bar" }, secrets: { HF_SECRET: SECRET } }),
      );
      const args = await waitFor(() => runOf(job.id));
      expect(args.slice(0, 2)).toEqual(["run", "--rm"]);
      expect(args[args.indexOf("--name") + 1]).toMatch(new RegExp(`^hf-jobs-emu-[0-9a-f]+-${job.id}$`));
      expect(args[args.indexOf("--entrypoint") + 1]).toBe("python");
      const envNames = args.flatMap((a, i) => (args[i - 1] === "-e" ? [a] : []));
      expect(envNames).toEqual(expect.arrayContaining(["FOO", "HF_SECRET", "JOB_ID"]));
      for (const name of envNames) expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      expect(args.slice(-5)).toEqual(["python:3.12", "-c", "print(1)", "--epochs", "2"]);
      // No value in the process list: the engine gets them from its environment.
      expect(readFileSync(join(dir, "argv.log"), "utf8")).not.toContain(SECRET);
      expect(args.some((a) => a.includes("bar"))).toBe(false);
      await waitFor(() => (existsSync(join(dir, "secret-seen")) ? true : undefined));
      expect(readFileSync(join(dir, "secret-seen"), "utf8")).toBe(SECRET);
      await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
    } finally {
      await emu.close();
    }
  });

  it("cancel force-removes the container with `docker rm -f <name>`", async () => {
    const emu = await startDocker();
    try {
      const job = await createJob(emu, spec(["sleep", "30"]));
      const args = await waitFor(() => runOf(job.id));
      const name = args[args.indexOf("--name") + 1] ?? "";
      await waitStage(emu, job.id, "RUNNING");
      expect((await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" })).status).toBe(200);
      await waitFor(() => (removed().includes(name) ? true : undefined));
      expect(invocations()).toContainEqual(["rm", "-f", name]);
    } finally {
      await emu.close();
    }
  });

  it("close() force-removes running containers and resolves only after the removal ended", async () => {
    const emu = await startDocker();
    const job = await createJob(emu, spec(["sleep", "30"]));
    const args = await waitFor(() => runOf(job.id));
    const name = args[args.indexOf("--name") + 1] ?? "";
    await waitStage(emu, job.id, "RUNNING");
    await emu.close();
    expect(invocations()).toContainEqual(["rm", "-f", name]);
    // The fake `rm` takes 400 ms before it records the removal.
    expect(removed()).toContain(name);
  });

  it("close() also waits for a removal started by a cancel", async () => {
    const emu = await startDocker();
    const job = await createJob(emu, spec(["sleep", "30"]));
    const args = await waitFor(() => runOf(job.id));
    const name = args[args.indexOf("--name") + 1] ?? "";
    await waitStage(emu, job.id, "RUNNING");
    await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
    // After the grace period the removal is under way, then the emulator is closed.
    await waitFor(() => (invocations().some((a) => a[0] === "rm" && a[2] === name) ? true : undefined));
    expect(removed()).not.toContain(name);
    await emu.close();
    expect(removed()).toContain(name);
  });
});
