// No leaked sockets or timers: a child process uses the SDK against an emulator under faults
// (test/fixtures/faults/exit-by-itself.ts) and must exit by itself, with code 0, before a deadline.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("./fixtures/faults/exit-by-itself.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
// Generous: the scenario takes a few seconds; a leak keeps the process alive forever.
const DEADLINE_MS = 45_000;

it("a process that used the SDK under faults exits by itself, with code 0", async () => {
  // The promise is about exiting *by itself*: the scenario must not force its way out.
  expect(readFileSync(SCRIPT, "utf8")).not.toMatch(/process\.exit\s*\(/);

  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }>((resolve) => {
    let killed = false;
    const deadline = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, DEADLINE_MS);
    child.on("exit", (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, killed });
    });
  });
  const report = `exit ${result.code} signal ${result.signal}\nstdout:\n${stdout}\nstderr:\n${stderr}`;
  expect(result.killed, `still running after ${DEADLINE_MS} ms (leaked handle?)\n${report}`).toBe(false);
  expect(result.code, report).toBe(0);
  expect(stdout, report).toContain("scenario ok");
}, 60_000);
