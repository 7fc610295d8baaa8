// Shared helpers of the benchmark: settings from the environment, worker processes, statistics,
// formatting. Every figure comes from the built package (dist/), imported by its name.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

function numberFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** Settings, all overridable from the environment (see docs/benchmarks.md). */
export const settings = {
  // Scales every size (log lines, memory log, sweep jobs, hostile answers) for quick runs; 1 = full size.
  scale: numberFromEnv("BENCH_SCALE", 1),
  // Interleaved rounds of the log-streaming readers (one fresh process per reader and round).
  logRuns: Math.round(numberFromEnv("BENCH_RUNS", 5)),
  // Fresh processes per package for the cold-import time.
  importRuns: Math.round(numberFromEnv("BENCH_IMPORT_RUNS", 15)),
  // Rounds of (fanOut, naive loop).
  fanOutRounds: Math.round(numberFromEnv("BENCH_FANOUT_ROUNDS", 3)),
  // Only these scenarios (comma-separated: package,cli,overhead,logs,memory,fanout,hostile); default all.
  only: (process.env.BENCH_ONLY ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
};

/** Progress goes to stderr, so that stdout holds the table only. */
export function progress(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/**
 * Runs `bench/<script>` in a fresh `node` process with `params` (JSON in BENCH_PARAMS) and resolves
 * with the JSON object it prints as its last stdout line. Separate processes keep one reader's JIT
 * state, heap and GC out of another's figures.
 */
export function runWorker(script, params, { timeoutMs = 600_000, nodeArgs = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, `${BENCH_DIR}${script}`], {
      cwd: ROOT,
      env: { ...process.env, BENCH_PARAMS: JSON.stringify(params) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0) {
        reject(new Error(`${script} exited with ${signal ?? code}\n${stderr.slice(-4000)}`));
        return;
      }
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`${script} printed no JSON result\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`));
      }
    });
  });
}

/** The parameters a worker was started with. */
export function workerParams() {
  return JSON.parse(process.env.BENCH_PARAMS ?? "{}");
}

/** Prints a worker's result (the last stdout line is what `runWorker` reads). */
export function workerResult(value) {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Least-squares slope of y over x. */
export function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export const MB = 1024 * 1024;

export function fmtInt(n) {
  return Math.round(n).toLocaleString("en-US");
}

export function fmtBytes(n) {
  if (n >= 1024 * MB) return `${(n / (1024 * MB)).toFixed(2)} GB`;
  if (n >= MB) return `${(n / MB).toFixed(1)} MB`;
  return `${(n / 1024).toFixed(1)} KB`;
}

export function fmtMs(ms) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
}

export function fmtRatio(r) {
  return Number.isFinite(r) ? `${r.toFixed(2)}x` : "n/a";
}

/** A plain-text table: the first row is the header; columns padded to their widest cell. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? "").length)));
  const line = (r) => `| ${r.map((c, i) => String(c ?? "").padEnd(widths[i])).join(" | ")} |`;
  return [line(rows[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}
