/**
 * Container engines: which one answers, the binary that runs (resolved once, at start-up, from the
 * emulator's own PATH), and the `run` and `rm` invocations of a job.
 * @module
 */
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, stat, writeFile } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";
import type { SpawnPlan } from "./runner.js";

/** A container engine the emulator can drive. */
export type EngineKind = "docker" | "podman";

/** The engine jobs run with, fixed at start-up: nothing a job sends can change it. */
export interface ContainerEngine {
  kind: EngineKind;
  /** Absolute path of the engine's CLI. */
  binary: string;
  /** Flags placed before every subcommand (`podman --runtime runc ... run`). */
  globalArgs: string[];
  /** Flags added to every `run`, before the image. */
  runArgs: string[];
}

/** How the engine is chosen; the matching fields of the resolved emulator options. */
export interface EngineChoice {
  containerEngine: "auto" | EngineKind | "none";
  containerEnginePath: string | undefined;
  containerEngineArgs: string[];
  containerRunArgs: string[];
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of `name` on `envPath` (a PATH value), or undefined. Relative and empty PATH
 * entries are skipped: they would resolve against whatever the working directory is at the time.
 */
export async function resolveEngineBinary(name: string, envPath: string | undefined): Promise<string | undefined> {
  for (const dir of (envPath ?? "").split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function answers(binary: string, globalArgs: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = execFile(binary, [...globalArgs, "info"], { timeout: 15_000, windowsHide: true }, (error) =>
      resolve(error === null),
    );
    child.stdin?.end();
  });
}

/**
 * The engine to use, or `null` for host processes. `auto` probes `docker info` then `podman info`
 * (each found on the emulator's PATH); an explicit engine must be found and answer; `none` means
 * host processes.
 */
export async function selectEngine(choice: EngineChoice): Promise<ContainerEngine | null> {
  const engine = choice.containerEngine;
  if (engine === "none") return null;
  const globalArgs = choice.containerEngineArgs;
  const runArgs = choice.containerRunArgs;
  if (engine !== "auto") {
    const binary = choice.containerEnginePath ?? (await resolveEngineBinary(engine, process.env.PATH));
    if (binary === undefined) throw new Error(`emulator: containerEngine "${engine}" was requested but \`${engine} info\` cannot run: no executable ${engine} on the emulator's PATH`);
    if (!(await isExecutableFile(binary))) throw new Error(`emulator: containerEnginePath "${binary}" is not an executable file`);
    if (await answers(binary, globalArgs)) return { kind: engine, binary, globalArgs, runArgs };
    throw new Error(`emulator: containerEngine "${engine}" was requested but \`${[binary, ...globalArgs, "info"].join(" ")}\` did not answer`);
  }
  for (const kind of ["docker", "podman"] as const) {
    const binary = await resolveEngineBinary(kind, process.env.PATH);
    if (binary !== undefined && (await answers(binary, globalArgs))) return { kind, binary, globalArgs, runArgs };
  }
  return null;
}

/**
 * Exit codes of `docker run` and `podman run` when the container or its command could not be
 * started: 125 when the engine itself failed, 126 when the runtime could not start the command
 * (podman's rlimit refusal on some machines is a 126 `OCI permission denied`).
 */
export const ENGINE_FAILURE_EXITS: ReadonlySet<number> = new Set([125, 126]);

/**
 * What a job's log and the emulator's logger say when the engine could not run a container: most
 * often an engine that needs flags on this machine (podman's rlimits), which only an explicit
 * engine can take.
 */
export function engineFailureHint(engine: ContainerEngine, code: number): string {
  return (
    `hf-jobs emulator: ${engine.binary} exited with code ${code}, which docker and podman use when they could not start the container or its command (see their message above). ` +
    `If the engine needs extra flags on this machine (podman may need --ulimit nofile=4096:4096 --ulimit nproc=4096:4096), start the emulator with ` +
    `containerEngine "${engine.kind}" and containerRunArgs or containerEngineArgs (hf-jobs emulator --engine ${engine.kind} --run-arg=--ulimit --run-arg=nofile=4096:4096 ...), ` +
    `or with containerEngine "none" to run jobs as host processes`
  );
}

/** Name of a job's container, unique per emulator instance. */
export function containerName(instance: string, jobId: string): string {
  return `hf-jobs-emu-${instance}-${jobId}`;
}

/** The argv after the engine's binary for one job's `run`. */
export function runInvocation(
  engine: ContainerEngine,
  options: { name: string; image: string; command: string[]; args: string[]; envFile: string },
): string[] {
  const [entrypoint, ...rest] = options.command;
  const out = [...engine.globalArgs, "run", "--rm", "--name", options.name, "--label", "hf-jobs-emulator=1"];
  out.push(...engine.runArgs, "--env-file", options.envFile);
  // The service runs `command` itself, not through the image's entrypoint.
  if (entrypoint !== undefined) out.push("--entrypoint", entrypoint);
  out.push(options.image, ...rest, ...options.args);
  return out;
}

/**
 * The argv of a force-removal. Podman would first wait 10 s for SIGTERM to work; the emulator has
 * already given the job its grace period, so `-t 0` kills at once, as `docker rm -f` does.
 */
export function removeInvocation(engine: ContainerEngine, name: string): string[] {
  return engine.kind === "podman" ? [...engine.globalArgs, "rm", "-f", "-t", "0", name] : [...engine.globalArgs, "rm", "-f", name];
}

/** Force-removes a container; errors (already gone) are ignored. */
export function removeContainer(engine: ContainerEngine, name: string): Promise<void> {
  return new Promise((resolve) => {
    execFile(engine.binary, removeInvocation(engine, name), { timeout: 30_000, windowsHide: true }, () => resolve());
  });
}

/** Longest `NAME=value` line, in bytes, that docker and podman read from an env file (their line buffer is 64 KiB). */
const MAX_ENV_LINE_BYTES = 65_000;

/**
 * Why a variable cannot go into an env file (one `NAME=value` per line, `#` starts a comment,
 * leading blanks of a name are dropped), or undefined when it can.
 */
function envFileProblem(name: string, value: string): string | undefined {
  if (/[\s#]/.test(name.charAt(0)) || /[\r\n]/.test(name)) return `the variable name "${name.replace(/[\r\n]/g, " ")}" cannot be passed to a container`;
  if (/[\r\n]/.test(value)) return `the value of ${name} spans several lines, which the emulator cannot pass to a container`;
  const bytes = Buffer.byteLength(`${name}=${value}`);
  if (bytes > MAX_ENV_LINE_BYTES) return `${name}=... is ${bytes} bytes, more than the ${MAX_ENV_LINE_BYTES} the engine reads per variable`;
  return undefined;
}

/** What {@link containerPlan} needs to know about one job. */
export interface ContainerJob {
  engine: ContainerEngine;
  name: string;
  image: string;
  command: string[];
  args: string[];
  /** The variables set inside the container (secrets included). */
  env: Record<string, string>;
  /** The job's private directory (mode 0700, removed when the job ends). */
  workDir: string;
  hostReason: string;
}

/**
 * How to start a job's container, or why it cannot start. The job's variables go through an env
 * file (mode 0600) in its private directory: never on the command line, where the process list
 * would show their values, and never in the CLI's own environment, where a job's `PATH` or
 * `LD_PRELOAD` would steer a host process that runs as the emulator's user.
 */
export async function containerPlan(job: ContainerJob): Promise<SpawnPlan | string> {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(job.env)) {
    const problem = envFileProblem(name, value);
    if (problem !== undefined) return `Cannot start the container: ${problem}`;
    lines.push(`${name}=${value}\n`);
  }
  const envFile = join(job.workDir, ".container-env");
  await writeFile(envFile, lines.join(""), { mode: 0o600, flag: "wx" });
  return {
    file: job.engine.binary,
    args: runInvocation(job.engine, { name: job.name, image: job.image, command: job.command, args: job.args, envFile }),
    env: hostEnvironment(),
    cwd: job.workDir,
    commandName: job.command[0] ?? job.image,
    hostReason: job.hostReason,
    container: { binary: job.engine.binary, remove: () => removeContainer(job.engine, job.name) },
  };
}

/** The emulator's own environment, for the engine's CLI. */
function hostEnvironment(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return out;
}
