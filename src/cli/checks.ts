/**
 * Checks of names before anything is sent: flavors against the service's hardware list, stages
 * against the known ones. A close miss is a typo (usage error with "did you mean"); a name far
 * from every known one may be new to this version, so it goes through with a warning and the
 * service decides.
 * @module
 */
import { JOB_STAGES } from "../wire/schemas.js";
import type { Context } from "./context.js";
import { UsageError } from "./exit.js";
import { closest } from "./suggest.js";

/**
 * Checks every flavor of an invocation at once (a sweep's whole axis before its first job).
 * Without a hardware list (the request failed) nothing is checked: the create reports it.
 */
export async function checkFlavors(ctx: Context, flavors: ReadonlyArray<string | undefined>): Promise<void> {
  const wanted = [...new Set(flavors.filter((f): f is string => typeof f === "string" && f !== ""))];
  if (wanted.length === 0) return;
  const known = await ctx.flavorNames();
  if (known === undefined) return;
  const typos: string[] = [];
  for (const flavor of wanted) {
    if (known.includes(flavor)) continue;
    const match = closest(flavor, known);
    if (match !== undefined) typos.push(`unknown flavor "${flavor}"; did you mean ${match}?`);
    else ctx.warn(`warning: flavor "${flavor}" is not in the hardware list; sending it as is (see hf-jobs hardware)`);
  }
  if (typos.length > 0) throw new UsageError(`${typos.join("; ")} (nothing was started; see hf-jobs hardware)`);
}

/** Upper-cases stage names and checks them; returns them. */
export function checkStages(ctx: Context, stages: readonly string[]): string[] {
  const known: readonly string[] = JOB_STAGES;
  return stages.map((raw) => {
    const stage = raw.toUpperCase();
    if (known.includes(stage)) return stage;
    const match = closest(stage, known);
    if (match !== undefined) throw new UsageError(`unknown stage "${raw}"; did you mean ${match}?`);
    ctx.warn(`warning: stage "${raw}" is not one this version knows (${known.join(", ")}); sending it as is`);
    return stage;
  });
}
