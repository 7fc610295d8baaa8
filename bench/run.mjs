// `npm run bench`: every figure of docs/benchmarks.md, measured side by side on this machine
// against the local emulator on 127.0.0.1, printed as a table with ratios (stdout) and saved as
// JSON in bench/results/<timestamp>.json. Progress goes to stderr. Needs a build (`npm run build`).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { benchCli } from "./cli.mjs";
import { benchFanOut } from "./fanout.mjs";
import { goalRows } from "./goals.mjs";
import { benchHostile } from "./hostile.mjs";
import { BENCH_DIR, ROOT, fmtBytes, fmtInt, fmtMs, fmtRatio, progress, settings, table } from "./lib.mjs";
import { benchLogs } from "./logs.mjs";
import { benchMemory } from "./memory.mjs";
import { benchOverhead } from "./overhead.mjs";
import { benchPackage } from "./package.mjs";

if (!existsSync(join(ROOT, "dist", "index.js")) || !existsSync(join(ROOT, "dist", "emulator.js"))) {
  throw new Error("dist/ is missing: run `npm run build` first (`npm run bench` does)");
}

// Quiet first (imports), the long streams next, the process-heavy sweep last.
const SCENARIOS = [
  ["package", benchPackage],
  ["cli", benchCli],
  ["overhead", benchOverhead],
  ["logs", benchLogs],
  ["memory", benchMemory],
  ["fanout", benchFanOut],
  ["hostile", benchHostile],
];

const startedAt = new Date();
const results = {};
for (const [name, run] of SCENARIOS) {
  if (settings.only.length > 0 && !settings.only.includes(name)) continue;
  const t0 = performance.now();
  progress(`${name}: start`);
  results[name] = await run();
  progress(`${name}: done in ${fmtMs(performance.now() - t0)}`);
}

const machine = {
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpu: cpus()[0]?.model ?? "unknown",
  cpus: availableParallelism(),
  memory: fmtBytes(totalmem()),
};

// --- the table ---------------------------------------------------------------------------------
const rows = [["scenario", "metric", "@org/hf-jobs", "baseline", "baseline value", "ratio"]];

if (results.logs) {
  const { readers, lines, wireBytes, runs } = results.logs;
  const scenario = `log streaming, ${fmtInt(lines)} lines (${fmtBytes(wireBytes)} SSE), median of ${runs}`;
  for (const other of ["bare", "hub"]) {
    const r = readers[other];
    rows.push([scenario, "lines/s (higher is better)", fmtInt(readers.sdk.linesPerSec), r.label, fmtInt(r.linesPerSec), fmtRatio(readers.sdk.linesPerSec / r.linesPerSec)]);
    rows.push([scenario, "MB/s of SSE (higher is better)", readers.sdk.mbPerSec.toFixed(1), r.label, r.mbPerSec.toFixed(1), fmtRatio(readers.sdk.mbPerSec / r.mbPerSec)]);
  }
  for (const other of ["bare", "hub"]) {
    const r = readers[other];
    rows.push([scenario, "peak RSS of the reader's process (lower is better)", fmtBytes(readers.sdk.peakRss), r.label, fmtBytes(r.peakRss), fmtRatio(readers.sdk.peakRss / r.peakRss)]);
  }
}

if (results.memory) {
  const m = results.memory;
  const scenario = `memory, following a ${fmtBytes(m.logBytes)} log`;
  rows.push([scenario, "peak RSS of the follower", fmtBytes(m.peakRss), "RSS at start / at 10% of the log", `${fmtBytes(m.startRss)} / ${fmtBytes(m.rssAtTenth)}`, ""]);
  rows.push([scenario, "RSS slope (MB per 100 MB of log)", m.slopeMbPer100Mb.toFixed(2), "flat = 0", "0", ""]);
  if (m.atPeak) {
    const p = m.atPeak;
    rows.push([scenario, "at the peak: V8 heap used / total, external (array buffers)", `${fmtBytes(p.heapUsed)} / ${fmtBytes(p.heapTotal)}, ${fmtBytes(p.external)} (${fmtBytes(p.arrayBuffers)})`, "", "", ""]);
  }
}

if (results.fanout) {
  const f = results.fanout;
  const scenario = `${fmtInt(f.jobs)} short jobs, concurrency ${f.concurrency}, median of ${f.rounds}`;
  const ours = f.fanout;
  const naive = f.naive;
  rows.push([scenario, "wall time (lower is better)", fmtMs(ours.wallMs), naive.label, fmtMs(naive.wallMs), fmtRatio(ours.wallMs / naive.wallMs)]);
  rows.push([scenario, "client CPU per job (lower is better)", fmtMs(ours.cpuMsPerJob), naive.label, fmtMs(naive.cpuMsPerJob), fmtRatio(ours.cpuMsPerJob / naive.cpuMsPerJob)]);
  rows.push([scenario, "HTTP requests per job (lower is better)", ours.requestsPerJob.toFixed(2), naive.label, naive.requestsPerJob.toFixed(2), fmtRatio(ours.requestsPerJob / naive.requestsPerJob)]);
}

if (results.overhead) {
  const o = results.overhead;
  const scenario = `inspect, ${fmtInt(o.sdk.calls)} sequential calls`;
  rows.push([scenario, "median per call (lower is better)", `${o.sdk.medianUs.toFixed(0)} µs`, "bare fetch + res.json()", `${o.bare.medianUs.toFixed(0)} µs`, `${fmtRatio(o.sdk.medianUs / o.bare.medianUs)} (+${(o.sdk.medianUs - o.bare.medianUs).toFixed(0)} µs)`]);
  rows.push([scenario, "p90 per call (lower is better)", `${o.sdk.p90Us.toFixed(0)} µs`, "bare fetch + res.json()", `${o.bare.p90Us.toFixed(0)} µs`, fmtRatio(o.sdk.p90Us / o.bare.p90Us)]);
}

if (results.package) {
  const p = results.package;
  const scenario = "package";
  rows.push([scenario, `cold import, median of ${p.importRuns} (lower is better)`, fmtMs(p.imports.ours.importMs), p.imports.hub.specifier, fmtMs(p.imports.hub.importMs), fmtRatio(p.imports.ours.importMs / p.imports.hub.importMs)]);
  rows.push([scenario, "node start + import, whole process", fmtMs(p.imports.ours.processMs), p.imports.hub.specifier, fmtMs(p.imports.hub.processMs), fmtRatio(p.imports.ours.processMs / p.imports.hub.processMs)]);
  for (const file of ["index.js", "index.cjs"]) {
    const b = p.bundle[file];
    if (b) rows.push([scenario, `bundle dist/${file}`, `${fmtBytes(b.bytes)} (${fmtBytes(b.gzipBytes)} gzip)`, "", "", ""]);
  }
  const deps = p.runtimeDependencies;
  const hub = p.hubInstalled;
  rows.push([scenario, "runtime dependency tree (installed)", `${fmtBytes(deps.bytes)}, ${deps.count} packages`, "@huggingface/hub installed", `${fmtBytes(hub.bytes)}, ${hub.count} packages`, fmtRatio(deps.bytes / hub.bytes)]);
}

if (results.cli) {
  const c = results.cli.commands;
  const scenario = `CLI, whole process, median of ${results.cli.runs}`;
  for (const name of ["help", "ps"]) {
    rows.push([scenario, `${c[name].label} (lower is better)`, fmtMs(c[name].medianMs), c.node.label, fmtMs(c.node.medianMs), `${fmtRatio(c[name].medianMs / c.node.medianMs)} (+${fmtMs(c[name].medianMs - c.node.medianMs)})`]);
  }
}

const goals = [["figure", "goal", "measured", "met"], ...goalRows(results)];

// Oversized answers: the client's peak RSS; stalled ones: the time until the call fails or ends.
const hostile = [["hostile server", "outcome", "time", "peak RSS (growth over start)"]];
for (const h of Object.values(results.hostile ?? {})) {
  const growth = Number.isFinite(h.peakRss) ? `${fmtBytes(h.peakRss)} (+${fmtBytes(Math.max(0, h.peakRss - h.startRss))})` : "n/a";
  hostile.push([h.label.replace("200 MB", fmtBytes(h.bytes ?? 0)), h.outcome.replace(/http:\/\/127\.0\.0\.1:\d+/g, "").replace(/x{12,}/g, "xxx…"), fmtMs(h.ms), growth]);
}

const header = `@org/hf-jobs benchmarks · ${startedAt.toISOString()} · node ${machine.node} · ${machine.platform} · ${machine.cpus} CPUs (${machine.cpu}) · scale ${settings.scale}`;
const sections = [table(rows)];
if (goals.length > 1) sections.push(table(goals));
if (hostile.length > 1) sections.push(table(hostile));
process.stdout.write(`\n${header}\n\n${sections.join("\n\n")}\n`);

const dir = join(BENCH_DIR, "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify({ startedAt: startedAt.toISOString(), machine, settings, results, table: rows, goals, hostile }, null, 2)}\n`);
progress(`results saved to ${file}`);
