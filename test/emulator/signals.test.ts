// A process hosting an emulator that is ended by SIGINT, SIGTERM or SIGHUP leaves no job process
// and no temporary directory behind, and ends exactly as it would without an emulator.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { processAlive, waitFor } from "./helpers.js";

const SCRIPT = fileURLToPath(new URL("../fixtures/emulator/signal-host.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Host {
  child: ChildProcess;
  lines: () => Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const spawned: ChildProcess[] = [];
const dirs: string[] = [];
const jobPids: number[] = [];
afterEach(() => {
  // Only reached when a test failed: what the emulator should have stopped.
  for (const pid of jobPids.splice(0)) if (processAlive(pid)) process.kill(pid, "SIGKILL");
  for (const child of spawned.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function host(mode: string, dir: string): Host {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, mode, dir], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  spawned.push(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  const lines = () => {
    if (err.trim() !== "") throw new Error(`host stderr: ${err}`);
    return out
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return { child, lines, exited };
}

async function ready(h: Host): Promise<number | null> {
  const line = await waitFor(() => h.lines().find((l) => l.ready === true), 30_000, 50);
  if (typeof line.pid === "number") jobPids.push(line.pid);
  return line.pid as number | null;
}

function tempDir(): string {
  const dir = mkdtempSync(`${tmpdir()}/emu-signal-`);
  dirs.push(dir);
  return dir;
}

describe("a host process ended by a signal", () => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    it(`${signal}: the job process is gone, the temp dir removed, and the host ends as it would without an emulator`, { timeout: 60_000 }, async () => {
      const control = host("none", tempDir());
      await ready(control);
      control.child.kill(signal);
      const expected = await control.exited;
      expect(expected.signal).toBe(signal);

      const dir = tempDir();
      const h = host("alone", dir);
      const pid = await ready(h);
      expect(typeof pid).toBe("number");
      expect(processAlive(pid as number)).toBe(true);
      expect(readdirSync(dir).length).toBe(1);
      h.child.kill(signal);
      expect(await h.exited).toEqual(expected);
      await waitFor(() => (processAlive(pid as number) ? undefined : true), 5000, 50);
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it("leaves the decision to a host that has its own listener: no exit, jobs untouched until it closes", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const h = host("own-listener", dir);
    const pid = await ready(h);
    h.child.kill("SIGTERM");
    const done = await h.exited;
    expect(h.lines().find((l) => l.handled !== undefined)).toEqual({ handled: "SIGTERM", liveJobs: 1 });
    expect(done).toEqual({ code: 7, signal: null });
    expect(processAlive(pid as number)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("hf-jobs emulator", () => {
  it("stops every job and exits 0 on SIGHUP (a closed terminal)", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", main, "emulator", "--engine", "none", "--json"], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: dir, HF_TOKEN: undefined, HF_ENDPOINT: undefined },
      stdio: ["ignore", "pipe", "pipe"],
    });
    spawned.push(child);
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on("exit", (code, signal) => resolve({ code, signal }));
    });
    const info = await waitFor(() => (out.includes("\n") ? (JSON.parse(out.split("\n")[0] as string) as { url: string; token: string; namespace: string }) : undefined), 30_000, 50);
    const headers = { Authorization: `Bearer ${info.token}`, "Content-Type": "application/json" };
    const job = (await (
      await fetch(`${info.url}/api/jobs/${info.namespace}`, {
        method: "POST",
        headers,
        body: JSON.stringify({ dockerImage: "alpine", command: ["sh", "-c", "echo $$; exec sleep 120"], flavor: "cpu-basic" }),
      })
    ).json()) as { id: string };
    const res = await fetch(`${info.url}/api/jobs/${info.namespace}/${job.id}/logs`, { headers });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    let pid: number | undefined;
    while (pid === undefined) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`log stream ended early: ${text}`);
      text += new TextDecoder().decode(value);
      const match = /"data":"(\d+)"/.exec(text);
      if (match) pid = Number(match[1]);
    }
    jobPids.push(pid);
    await reader.cancel().catch(() => {});
    // TMPDIR also holds tsx's cache: only the emulator's own directory counts.
    const emulatorDirs = () => readdirSync(dir).filter((name) => name.startsWith("hf-jobs-emulator-"));
    expect(emulatorDirs().length).toBe(1);
    child.kill("SIGHUP");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(processAlive(pid)).toBe(false);
    expect(emulatorDirs()).toEqual([]);
  });
});
