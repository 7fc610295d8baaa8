// The goals the bench checks and reports (never enforced: speed is not a test). Each goal reads
// its figure from the results of one run, so ratios always compare measurements of the same run.
import { fmtBytes, fmtMs, fmtRatio } from "./lib.mjs";

/** RSS slope (MB per 100 MB of log) below which memory counts as flat. */
const FLAT_SLOPE = 0.5;

export const GOALS = [
  {
    figure: "log streaming vs bare fetch + eventsource-parser (lines/s)",
    needs: "logs",
    goal: ">= 1.1x",
    measure: (r) => r.logs.ratioVsBare,
    show: fmtRatio,
    met: (v) => v >= 1.1,
  },
  {
    figure: "log streaming vs @huggingface/hub streamJobLogs (lines/s)",
    needs: "logs",
    goal: ">= 1.5x",
    measure: (r) => r.logs.ratioVsHub,
    show: fmtRatio,
    met: (v) => v >= 1.5,
  },
  {
    figure: 'cold import("@org/hf-jobs") vs import("@huggingface/hub")',
    needs: "package",
    goal: "<= 1.0x (aiming at 0.5x)",
    measure: (r) => r.package.imports.ours.importMs / r.package.imports.hub.importMs,
    show: (v, r) => `${fmtRatio(v)} (${fmtMs(r.package.imports.ours.importMs)} vs ${fmtMs(r.package.imports.hub.importMs)})`,
    met: (v) => v <= 1.0,
  },
  {
    figure: "node start + import, whole process, vs the same for @huggingface/hub",
    needs: "package",
    goal: "<= 1.1x",
    measure: (r) => r.package.imports.ours.processMs / r.package.imports.hub.processMs,
    show: (v, r) => `${fmtRatio(v)} (${fmtMs(r.package.imports.ours.processMs)} vs ${fmtMs(r.package.imports.hub.processMs)})`,
    met: (v) => v <= 1.1,
  },
  {
    figure: "inspect per call vs bare fetch + res.json() (median)",
    needs: "overhead",
    goal: "<= 1.15x",
    measure: (r) => r.overhead.sdk.medianUs / r.overhead.bare.medianUs,
    show: (v, r) => `${fmtRatio(v)} (+${(r.overhead.sdk.medianUs - r.overhead.bare.medianUs).toFixed(0)} µs)`,
    met: (v) => v <= 1.15,
  },
  {
    figure: "peak RSS following a 1 GB log (and its slope)",
    needs: "memory",
    goal: `< 80 MB, flat (slope < ${FLAT_SLOPE} MB per 100 MB)`,
    measure: (r) => r.memory.peakRss,
    show: (v, r) => `${fmtBytes(v)}, slope ${r.memory.slopeMbPer100Mb.toFixed(2)}`,
    met: (v, r) => v < 80 * 1024 * 1024 && Math.abs(r.memory.slopeMbPer100Mb) < FLAT_SLOPE,
  },
  {
    figure: 'hf-jobs --help, whole process, vs node -e ""',
    needs: "cli",
    goal: "none stated (measured)",
    measure: (r) => r.cli.commands.help.medianMs / r.cli.commands.node.medianMs,
    show: (v, r) => `${fmtRatio(v)} (${fmtMs(r.cli.commands.help.medianMs)} vs ${fmtMs(r.cli.commands.node.medianMs)})`,
  },
  {
    figure: 'hf-jobs ps against the emulator, whole process, vs node -e ""',
    needs: "cli",
    goal: "none stated (measured)",
    measure: (r) => r.cli.commands.ps.medianMs / r.cli.commands.node.medianMs,
    show: (v, r) => `${fmtRatio(v)} (${fmtMs(r.cli.commands.ps.medianMs)} vs ${fmtMs(r.cli.commands.node.medianMs)})`,
  },
];

/** Rows `[figure, goal, measured, met]` for the goals whose scenario ran. */
export function goalRows(results) {
  return GOALS.filter((g) => results[g.needs]).map((g) => {
    const value = g.measure(results);
    const met = g.met ? (g.met(value, results) ? "yes" : "NO") : "-";
    return [g.figure, g.goal, g.show(value, results), met];
  });
}
