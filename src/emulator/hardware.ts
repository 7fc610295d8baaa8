/**
 * The service's hardware table (flavors, resources, prices) and what a flavor means for a job's
 * environment.
 * @module
 */

/** One flavor: resources and hourly price as the service lists them. */
export interface Flavor {
  name: string;
  prettyName: string;
  cpu: number;
  ramGb: number;
  storageGb: number;
  accelerator: { model: string; quantity: number; vramGb: number } | null;
  usdPerHour: number;
}

type Row = [name: string, pretty: string, cpu: number, ram: number, storage: number, gpu: [string, number, number] | null, usdPerHour: number];

// name, pretty name, vCPU, RAM GB, storage GB, [model, count, total VRAM GB], $/hour, as the
// service lists them at GET /api/jobs/hardware.
const ROWS: Row[] = [
  ["cpu-basic", "CPU Basic", 2, 16, 50, null, 0.01],
  ["cpu-upgrade", "CPU Upgrade", 8, 32, 50, null, 0.03],
  ["cpu-performance", "CPU Performance", 32, 256, 1024, null, 1.9],
  ["cpu-xl", "CPU XL", 16, 124, 1000, null, 1.0],
  ["t4-small", "Nvidia T4 - small", 4, 15, 50, ["T4", 1, 16], 0.4],
  ["t4-medium", "Nvidia T4 - medium", 8, 30, 100, ["T4", 1, 16], 0.6],
  ["a10g-small", "Nvidia A10G - small", 4, 15, 110, ["A10G", 1, 24], 1.0],
  ["a10g-large", "Nvidia A10G - large", 12, 46, 200, ["A10G", 1, 24], 1.5],
  ["a10g-largex2", "2x Nvidia A10G - large", 24, 92, 1000, ["A10G", 2, 48], 3.0],
  ["a10g-largex4", "4x Nvidia A10G - large", 48, 184, 2000, ["A10G", 4, 96], 5.0],
  ["a100-large", "Nvidia A100 - large", 12, 142, 1000, ["A100", 1, 80], 2.5],
  ["a100x4", "4x Nvidia A100", 48, 568, 4000, ["A100", 4, 320], 10.0],
  ["a100x8", "8x Nvidia A100", 96, 1136, 8000, ["A100", 8, 640], 20.0],
  ["h200", "Nvidia H200", 23, 256, 3000, ["H200", 1, 141], 5.0],
  ["h200x2", "Nvidia H200", 46, 512, 6000, ["H200", 2, 282], 10.0],
  ["h200x4", "Nvidia H200", 92, 1024, 12000, ["H200", 4, 564], 20.0],
  ["h200x8", "Nvidia H200", 184, 2048, 24000, ["H200", 8, 1128], 40.0],
  ["rtx-pro-6000", "Nvidia RTX PRO 6000", 23, 256, 475, ["RTX PRO 6000", 1, 96], 2.75],
  ["rtx-pro-6000x2", "Nvidia RTX PRO 6000", 46, 512, 950, ["RTX PRO 6000", 2, 192], 5.5],
  ["rtx-pro-6000x4", "Nvidia RTX PRO 6000", 92, 1024, 1900, ["RTX PRO 6000", 4, 384], 11.0],
  ["rtx-pro-6000x8", "Nvidia RTX PRO 6000", 184, 2048, 3800, ["RTX PRO 6000", 8, 768], 22.0],
  ["l4x1", "1x Nvidia L4", 8, 30, 400, ["L4", 1, 24], 0.8],
  ["l4x4", "4x Nvidia L4", 48, 186, 3200, ["L4", 4, 96], 3.8],
  ["l40sx1", "1x Nvidia L40S", 8, 62, 380, ["L40S", 1, 48], 1.8],
  ["l40sx4", "4x Nvidia L40S", 48, 382, 3200, ["L40S", 4, 192], 8.3],
  ["l40sx8", "8x Nvidia L40S", 192, 1534, 6500, ["L40S", 8, 384], 23.5],
];

const FLAVORS: ReadonlyMap<string, Flavor> = new Map(
  ROWS.map(([name, prettyName, cpu, ramGb, storageGb, gpu, usdPerHour]) => [
    name,
    {
      name,
      prettyName,
      cpu,
      ramGb,
      storageGb,
      accelerator: gpu ? { model: gpu[0], quantity: gpu[1], vramGb: gpu[2] } : null,
      usdPerHour,
    },
  ]),
);

/** Default flavor when a spec names none (what the Python client sends). */
export const DEFAULT_FLAVOR = "cpu-basic";

/** The flavor of that name, if the table has it. */
export function findFlavor(name: string): Flavor | undefined {
  return FLAVORS.get(name);
}

/** Price per minute in micro-USD, rounded to an integer like the service's `unitCostMicroUSD`. */
export function unitCostMicroUSD(flavor: Flavor): number {
  return Math.round((flavor.usdPerHour / 60) * 1e6);
}

/** Body of `GET /api/jobs/hardware`: camelCase, quantity and sizes as strings, like the service's. */
export function hardwareList(): Record<string, unknown>[] {
  return [...FLAVORS.values()].map((f) => {
    const micro = unitCostMicroUSD(f);
    return {
      name: f.name,
      prettyName: f.prettyName,
      cpu: `${f.cpu} vCPU`,
      ram: `${f.ramGb} GB`,
      ephemeralStorage: `${f.storageGb} GB`,
      accelerator: f.accelerator
        ? {
            type: "gpu",
            model: f.accelerator.model,
            quantity: String(f.accelerator.quantity),
            vram: `${f.accelerator.vramGb} GB`,
            manufacturer: "Nvidia",
          }
        : null,
      // Derived from the integer so that the two fields agree, as in the service's answers.
      unitCostMicroUSD: micro,
      unitCostUSD: micro / 1e6,
      unitLabel: "minute",
    };
  });
}

/** Memory of the flavor in bytes, as reported by `memory_total_bytes` (GiB, like the recorded events). */
export function memoryBytes(flavor: Flavor): number {
  return flavor.ramGb * 1024 ** 3;
}

/** The variables the service sets in every job. */
export function flavorEnv(flavor: Flavor): { ACCELERATOR: string; CPU_CORES: string; MEMORY: string } {
  return {
    // As the Hub's Jobs documentation describes it: the flavor name (e.g. `t4-medium`) on GPU
    // hardware, `none` on CPU-only hardware.
    ACCELERATOR: flavor.accelerator ? flavor.name : "none",
    CPU_CORES: String(flavor.cpu),
    MEMORY: `${flavor.ramGb}Gi`,
  };
}
