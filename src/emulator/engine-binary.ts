/**
 * Where the container engine's CLI lives. The emulator resolves it once, at start-up, from its own
 * `PATH`: spawning the bare name with a job's environment would let the job's `PATH` choose which
 * host binary runs, outside any container.
 * @module
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

/**
 * The absolute path of the executable `name` found first on `envPath` (a `PATH` value), or
 * `undefined` when none is. Relative `PATH` entries (including the empty one, meaning the current
 * directory) are skipped: they would depend on the working directory. An absolute `name` is
 * returned as is when it is an executable file.
 */
export function resolveEngineBinary(name: string, envPath: string | undefined): string | undefined {
  if (isAbsolute(name)) return isExecutableFile(name) ? name : undefined;
  if (name === "" || name.includes("/")) return undefined;
  for (const dir of (envPath ?? "").split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
