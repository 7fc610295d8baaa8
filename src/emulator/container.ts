// Container engines: which one answers, and the `run` invocation of a job inside it.
import { execFile } from "node:child_process";

/** A container engine the emulator can drive. */
export type Engine = "docker" | "podman";

function answers(engine: Engine): Promise<boolean> {
  return new Promise((resolve) => {
    const child = execFile(engine, ["info"], { timeout: 5000, windowsHide: true }, (error) => resolve(error === null));
    child.stdin?.end();
  });
}

/**
 * The engine to use: `auto` probes `docker info` then `podman info`; an explicit engine must answer;
 * `none` means host processes. Returns `null` for host mode.
 */
export async function selectEngine(choice: "auto" | "docker" | "podman" | "none"): Promise<Engine | null> {
  if (choice === "none") return null;
  if (choice !== "auto") {
    if (await answers(choice)) return choice;
    throw new Error(`emulator: containerEngine "${choice}" was requested but \`${choice} info\` did not answer`);
  }
  for (const engine of ["docker", "podman"] as const) {
    if (await answers(engine)) return engine;
  }
  return null;
}

/** Name of a job's container, unique per emulator instance. */
export function containerName(instance: string, jobId: string): string {
  return `hf-jobs-emu-${instance}-${jobId}`;
}

/**
 * `run` arguments for a job: variables are passed by name only (`-e NAME`), so their values, secrets
 * included, stay out of the process list; the engine reads them from its own environment.
 */
export function runArgs(options: {
  name: string;
  image: string;
  command: string[];
  args: string[];
  envNames: string[];
}): string[] {
  const [entrypoint, ...rest] = options.command;
  const out = ["run", "--rm", "--name", options.name, "--label", "hf-jobs-emulator=1"];
  for (const key of options.envNames) out.push("-e", key);
  // The service runs `command` itself, not through the image's entrypoint (reference §5.1).
  if (entrypoint !== undefined) out.push("--entrypoint", entrypoint);
  out.push(options.image, ...rest, ...options.args);
  return out;
}

/** Force-removes a container; errors (already gone) are ignored. */
export function removeContainer(engine: Engine, name: string): Promise<void> {
  return new Promise((resolve) => {
    execFile(engine, ["rm", "-f", name], { timeout: 15_000 }, () => resolve());
  });
}
