/**
 * GPU readings through `nvidia-smi`, probed once; `{}` when it does not answer.
 * @module
 */
import { execFile } from "node:child_process";

/** One GPU in a metric event (snake_case, like the service's). */
export interface GpuReading {
  utilization: number;
  memory_used_bytes: number;
  memory_total_bytes: number;
}

const QUERY = ["--query-gpu=uuid,utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"];

function query(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("nvidia-smi", QUERY, { timeout: 5000 }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

function parse(stdout: string): Record<string, GpuReading> {
  const out: Record<string, GpuReading> = {};
  for (const line of stdout.split("\n")) {
    const [uuid, util, used, total] = line.split(",").map((s) => s.trim());
    if (!uuid || util === undefined || used === undefined || total === undefined) continue;
    const id = uuid.replace(/^GPU-/, "").replace(/-/g, "").slice(0, 8);
    out[id] = { utilization: Number(util) || 0, memory_used_bytes: (Number(used) || 0) * 2 ** 20, memory_total_bytes: (Number(total) || 0) * 2 ** 20 };
  }
  return out;
}

/** Host GPUs, read at most once per call; after a first failure, never asks again. */
export class GpuProbe {
  #available: boolean | undefined;

  /** Current GPU readings (host-wide: the emulator cannot attribute GPUs to jobs). */
  async read(): Promise<Record<string, GpuReading>> {
    if (this.#available === false) return {};
    const stdout = await query();
    this.#available = stdout !== undefined;
    return stdout ? parse(stdout) : {};
  }
}
