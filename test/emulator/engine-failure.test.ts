// An engine that answers `info` but cannot run a container on this machine (podman without the
// rlimit flags it needs: exit code 126; 125 when the engine itself fails): the job ends as the service would say it, and its log and
// the emulator's logger say how to give the engine its flags. The engine is a fake podman, the
// only engine on the PATH, so that "auto" picks it whatever is installed.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJob, logMessages, spec, start, StreamReader, waitTerminal } from "./helpers.js";

// What podman says, with exit code 126, where runc may not raise the rlimits podman asks for.
const ENGINE_ERROR =
  "Error: runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted: OCI permission denied";
let dir: string;
let savedPath: string | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hf-jobs-engine-fail-"));
  // Shell built-ins only: the PATH holds nothing but this directory.
  writeFileSync(
    join(dir, "podman"),
    `#!/bin/sh
for a in "$@"; do
  case "$a" in
    info) exit 0 ;;
    run) echo '${ENGINE_ERROR}' >&2; exit "\${FAKE_EXIT:-126}" ;;
    rm) exit 0 ;;
  esac
done
exit 0
`,
  );
  chmodSync(join(dir, "podman"), 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = dir;
});

afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

describe("an engine that cannot run containers (exit code 125 or 126)", () => {
  it('with containerEngine "auto" (the only engine on PATH is a failing podman): the log and the logger point to containerRunArgs and --run-arg', async () => {
    const logged: string[] = [];
    const emu = await start({ containerEngine: "auto", logger: (line) => logged.push(line) });
    try {
      expect(logged[0]).toContain(`jobs run in containers with ${join(dir, "podman")}`);
      expect(logged[0]).toMatch(/containerEngine "auto" took the first engine.*containerRunArgs/);
      const first = await createJob(emu, spec(["python", "-c", "print(1)"]));
      const done = await waitTerminal(emu, first.id);
      // The status stays the service's; the explanation is in the log.
      expect(done.status).toMatchObject({ stage: "ERROR", message: "Job failed with exit code: 126" });
      const reader = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${first.id}/logs`);
      expect(await reader.finished()).toBe("ended");
      const lines = logMessages(reader.text);
      expect(lines[0]).toBe(ENGINE_ERROR);
      const hint = lines[1] ?? "";
      expect(hint).toContain("exited with code 126");
      expect(hint).toContain('containerEngine "podman" and containerRunArgs');
      expect(hint).toContain("hf-jobs emulator --engine podman --run-arg=--ulimit");
      expect(hint).toContain('containerEngine "none"');
      expect(logged).toContain(hint);

      // A second failing job says it in its log again, but the logger only once.
      const second = await createJob(emu, spec(["true"]));
      await waitTerminal(emu, second.id);
      const again = await StreamReader.open(emu, `/api/jobs/${emu.namespace}/${second.id}/logs`);
      await again.finished();
      expect(logMessages(again.text)).toContain(hint);
      expect(logged.filter((line) => line === hint)).toHaveLength(1);
    } finally {
      await emu.close();
    }
  });

  it("an explicit engine that fails with 125 gets the same hint, without the auto note at start-up (non-default options: an explicit engine path)", async () => {
    process.env.FAKE_EXIT = "125";
    const logged: string[] = [];
    const emu = await start({ containerEngine: "podman", containerEnginePath: join(dir, "podman"), logger: (line) => logged.push(line) });
    try {
      expect(logged[0]).not.toContain("auto");
      const job = await createJob(emu, spec(["true"]));
      expect((await waitTerminal(emu, job.id)).status.message).toBe("Job failed with exit code: 125");
      expect(logged.some((line) => line.includes("exited with code 125") && line.includes("--run-arg="))).toBe(true);
    } finally {
      delete process.env.FAKE_EXIT;
      await emu.close();
    }
  });
});
