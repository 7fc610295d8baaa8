/**
 * The environment a job process sees: a minimal host base, then the emulator's extras, the job's
 * variables and secrets, and last the variables the service itself sets (they cannot be overridden).
 * @module
 */
import { type Flavor, flavorEnv } from "./hardware.js";

const FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Inputs of {@link jobEnvironment}. */
export interface JobEnvInput {
  jobId: string;
  flavor: Flavor;
  workDir: string;
  extra: Record<string, string>;
  environment: Record<string, string>;
  secrets: Record<string, string>;
}

/** The job's variables, without anything of the emulator's own environment but PATH and LANG. */
export function jobEnvironment(input: JobEnvInput): Record<string, string> {
  return {
    PATH: process.env.PATH ?? FALLBACK_PATH,
    HOME: input.workDir,
    TMPDIR: input.workDir,
    LANG: process.env.LANG ?? "C.UTF-8",
    ...input.extra,
    ...input.environment,
    ...input.secrets,
    JOB_ID: input.jobId,
    ...flavorEnv(input.flavor),
  };
}

/** Variables set inside a container: the host base and the emulator's extras belong to the host only. */
export function containerEnvironment(input: JobEnvInput): Record<string, string> {
  return { ...input.environment, ...input.secrets, JOB_ID: input.jobId, ...flavorEnv(input.flavor) };
}
