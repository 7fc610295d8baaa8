// Container mode against a fake engine CLI (a shell script that records its argv): the `run` and
// `rm` invocations, where the binary comes from, how variables reach the container, and
// force-removal on cancel and on close. Real containers are in container-real.test.ts.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator, EmulatorOptions } from "../../src/emulator/index.js";
import { api, createJob, spec, start, waitFor, waitTerminal } from "./helpers.js";

const SECRET = "s3cr3t-value-do-not-leak";
let dir: string;
let evilDir: string;
let savedPath: string | undefined;

/** What the fake saw of a job's container: `.env` (its env file) or `.cli-env` (its own environment). */
function seen(args: string[], what: ".env" | ".cli-env"): string | undefined {
  const file = join(dir, `${valueAfter(args, "--name")}${what}`);
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

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

/** The argv of the job's `run` (its container name ends with the job's id). */
function runOf(jobId: string): string[] | undefined {
  return invocations().find((a) => a.includes("run") && a[a.indexOf("--name") + 1]?.endsWith(jobId));
}

function valueAfter(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fake-engine-"));
  // The subcommand is the first of info/run/rm, so that global flags may come before it.
  // Like a container that ignores SIGTERM: only the force-removal stops it. The files of a run
  // are written after the trap is set, so a test that waits for them may cancel safely.
  const script = `#!/bin/sh
trap '' TERM
dir='${dir}'
for a in "$@"; do printf '%s\\037' "$a"; done >> "$dir/argv.log"
printf '\\n' >> "$dir/argv.log"
sub=''; envfile=''; name=''; prev=''
for a in "$@"; do
  case "$a" in info|run|rm) [ -z "$sub" ] && sub="$a" ;; esac
  [ "$prev" = "--env-file" ] && envfile="$a"
  [ "$prev" = "--name" ] && name="$a"
  prev="$a"
  last="$a"
done
case "$sub" in
  info) exit 0 ;;
  run)
    # Written whole, then renamed: a test never reads half a file.
    env > "$dir/$name.tmp" && mv "$dir/$name.tmp" "$dir/$name.cli-env"
    cp "$envfile" "$dir/$name.tmp" && mv "$dir/$name.tmp" "$dir/$name.env"
    echo "fake container started"
    sleep 30
    ;;
  rm)
    sleep 0.4
    printf '%s\\n' "$last" >> "$dir/removed.log"
    ;;
esac
`;
  writeFileSync(join(dir, "docker"), script);
  chmodSync(join(dir, "docker"), 0o755);
  symlinkSync(join(dir, "docker"), join(dir, "podman"));
  // A job that names this directory in its PATH must not get this "docker" run on the host.
  evilDir = join(dir, "evil");
  mkdirSync(evilDir);
  writeFileSync(join(evilDir, "docker"), `#!/bin/sh\ntouch '${dir}/evil-ran'\nexit 0\n`);
  chmodSync(join(evilDir, "docker"), 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = `${dir}:${savedPath ?? ""}`;
});

afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

function startDocker(options: EmulatorOptions = {}): Promise<Emulator> {
  return start({ containerEngine: "docker", killGraceMs: 100, ...options });
}

describe("container mode (fake engine)", () => {
  it("runs `docker run --rm` with the entrypoint, an env file, the image and the command", async () => {
    const emu = await startDocker();
    try {
      const job = await createJob(
        emu,
        spec(["python", "-c", "print(1)"], { arguments: ["--epochs", "2"], environment: { FOO: "bar=baz" }, secrets: { HF_SECRET: SECRET } }),
      );
      const args = await waitFor(() => runOf(job.id));
      expect(args.slice(0, 2)).toEqual(["run", "--rm"]);
      expect(valueAfter(args, "--name")).toMatch(new RegExp(`^hf-jobs-emu-[0-9a-f]+-${job.id}$`));
      expect(valueAfter(args, "--entrypoint")).toBe("python");
      expect(args).not.toContain("-e");
      expect(args.slice(-5)).toEqual(["python:3.12", "-c", "print(1)", "--epochs", "2"]);
      // No value in the process list: the engine reads them from the env file.
      expect(readFileSync(join(dir, "argv.log"), "utf8")).not.toContain(SECRET);
      expect(args.some((a) => a.includes("bar"))).toBe(false);
      const lines = (await waitFor(() => seen(args, ".env"))).split("\n");
      expect(lines).toEqual(expect.arrayContaining(["FOO=bar=baz", `HF_SECRET=${SECRET}`, `JOB_ID=${job.id}`]));
      await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
    } finally {
      await emu.close();
    }
  });

  it("the env file is private to its job and gone when the job ends", async () => {
    const emu = await startDocker();
    try {
      const job = await createJob(emu, spec(["sleep", "30"], { secrets: { HF_SECRET: SECRET } }));
      const file = await waitFor(() => {
        const args = runOf(job.id);
        return args && valueAfter(args, "--env-file");
      });
      expect(readFileSync(file, "utf8")).toContain(`HF_SECRET=${SECRET}`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
      await waitFor(() => (existsSync(file) ? undefined : true));
    } finally {
      await emu.close();
    }
  });

  it("a job's PATH and LD_PRELOAD stay out of the engine CLI's environment and do not choose its binary", async () => {
    const emu = await startDocker();
    try {
      const job = await createJob(
        emu,
        spec(["sleep", "30"], { environment: { PATH: `${evilDir}:/usr/bin:/bin`, LD_PRELOAD: "/nonexistent/evil.so", MARKER_VAR: "m" } }),
      );
      const args = await waitFor(() => runOf(job.id));
      const cliEnv = await waitFor(() => seen(args, ".cli-env"));
      expect(cliEnv).not.toContain(evilDir);
      expect(cliEnv).not.toMatch(/^LD_PRELOAD=/m);
      expect(cliEnv).not.toMatch(/^MARKER_VAR=/m);
      expect(existsSync(join(dir, "evil-ran"))).toBe(false);
      // Inside the container the job still gets its own PATH.
      expect(await waitFor(() => seen(args, ".env"))).toContain(`PATH=${evilDir}:/usr/bin:/bin\n`);
      await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
    } finally {
      await emu.close();
    }
  });

  it("a variable with a multi-line value ends the job in ERROR without starting a container", async () => {
    const emu = await startDocker();
    try {
      const job = await createJob(emu, spec(["true"], { secrets: { KEY: `-----BEGIN-----\n${SECRET}\n-----END-----` } }));
      const done = await waitTerminal(emu, job.id);
      expect(done.status.stage).toBe("ERROR");
      expect(done.status.message).toBe("Cannot start the container: the value of KEY spans several lines, which the emulator cannot pass to a container");
      expect(runOf(job.id)).toBeUndefined();
    } finally {
      await emu.close();
    }
  });

  it("cancel force-removes the container with `docker rm -f <name>`", async () => {
    const emu = await startDocker();
    try {
      const job = await createJob(emu, spec(["sleep", "30"]));
      const args = await waitFor(() => runOf(job.id));
      const name = valueAfter(args, "--name") ?? "";
      await waitFor(() => seen(args, ".env"));
      expect((await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" })).status).toBe(200);
      await waitFor(() => (removed().includes(name) ? true : undefined));
      expect(invocations()).toContainEqual(["rm", "-f", name]);
    } finally {
      await emu.close();
    }
  });

  it("podman with engine and run flags (non-default options): flags before `run` and before the image; `rm -f -t 0`", async () => {
    const emu = await start({
      containerEngine: "podman",
      killGraceMs: 100,
      containerEngineArgs: ["--runtime", "runc", "--cgroup-manager", "cgroupfs"],
      containerRunArgs: ["--ulimit", "nofile=1024:1024", "--pull=never"],
    });
    try {
      expect(invocations()).toContainEqual(["--runtime", "runc", "--cgroup-manager", "cgroupfs", "info"]);
      const job = await createJob(emu, spec(["sleep", "30"]));
      const args = await waitFor(() => runOf(job.id));
      expect(args.slice(0, 6)).toEqual(["--runtime", "runc", "--cgroup-manager", "cgroupfs", "run", "--rm"]);
      const image = args.indexOf("python:3.12");
      expect(args.indexOf("--pull=never")).toBeGreaterThan(args.indexOf("run"));
      expect(args.indexOf("--pull=never")).toBeLessThan(image);
      expect(valueAfter(args, "--ulimit")).toBe("nofile=1024:1024");
      const name = valueAfter(args, "--name") ?? "";
      await waitFor(() => seen(args, ".env"));
      await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
      await waitFor(() => (removed().includes(name) ? true : undefined));
      expect(invocations()).toContainEqual(["--runtime", "runc", "--cgroup-manager", "cgroupfs", "rm", "-f", "-t", "0", name]);
    } finally {
      await emu.close();
    }
  });

  it("containerEnginePath (non-default option) runs that binary even when it is not on PATH", async () => {
    const other = mkdtempSync(join(tmpdir(), "fake-engine-path-"));
    try {
      writeFileSync(join(other, "my-docker"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${other}/calls'\nexit 0\n`);
      chmodSync(join(other, "my-docker"), 0o755);
      const emu = await startDocker({ containerEnginePath: join(other, "my-docker") });
      await emu.close();
      expect(readFileSync(join(other, "calls"), "utf8")).toBe("info\n");
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("close() force-removes running containers and resolves only after the removal ended", async () => {
    const emu = await startDocker();
    const job = await createJob(emu, spec(["sleep", "30"]));
    const args = await waitFor(() => runOf(job.id));
    const name = valueAfter(args, "--name") ?? "";
    await waitFor(() => seen(args, ".env"));
    await emu.close();
    expect(invocations()).toContainEqual(["rm", "-f", name]);
    // The fake `rm` takes 400 ms before it records the removal.
    expect(removed()).toContain(name);
  });

  it("close() also waits for a removal started by a cancel", async () => {
    const emu = await startDocker();
    const job = await createJob(emu, spec(["sleep", "30"]));
    const args = await waitFor(() => runOf(job.id));
    const name = valueAfter(args, "--name") ?? "";
    await waitFor(() => seen(args, ".env"));
    await api(emu)(`/api/jobs/${emu.namespace}/${job.id}/cancel`, { method: "POST" });
    // After the grace period the removal is under way, then the emulator is closed.
    await waitFor(() => (invocations().some((a) => a[0] === "rm" && a[2] === name) ? true : undefined));
    expect(removed()).not.toContain(name);
    await emu.close();
    expect(removed()).toContain(name);
  });
});

describe("container engine options", () => {
  it("engine flags without an explicit engine are refused: one engine's flags would break the other", async () => {
    await expect(start({ containerEngine: "auto", containerEngineArgs: ["--runtime", "runc"] })).rejects.toThrow(
      /containerEngineArgs and containerRunArgs need containerEngine "docker" or "podman", got "auto"/,
    );
    await expect(start({ containerEngine: "none", containerRunArgs: ["--pull=never"] })).rejects.toThrow(/got "none"/);
  });

  it("a relative containerEnginePath or an empty flag is refused", async () => {
    await expect(start({ containerEngine: "docker", containerEnginePath: "bin/docker" })).rejects.toThrow(/must be an absolute path/);
    await expect(start({ containerEngine: "docker", containerRunArgs: [""] })).rejects.toThrow(/containerRunArgs must be an array of non-empty strings/);
  });

  it("an explicit engine missing from the emulator's PATH makes start-up fail with a clear message", async () => {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent-dir";
    try {
      await expect(start({ containerEngine: "podman" })).rejects.toThrow(/`podman info` cannot run: no executable podman on the emulator's PATH/);
    } finally {
      process.env.PATH = saved;
    }
  });
});
