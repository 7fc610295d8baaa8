// Conformance: the `hfjs jobs` CLI of @huggingface/hub against an emulator with default options.
// A foreground run and `logs` must end by themselves once the job has ended.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { eventually, hfjs, startDefaultEmulator } from "./helpers.js";

let emu: Emulator;

beforeAll(async () => {
  emu = await startDefaultEmulator();
});
afterAll(() => emu.close());

async function stageOf(id: string): Promise<string> {
  const res = await fetch(`${emu.url}/api/jobs/${emu.namespace}/${id}`, { headers: { Authorization: `Bearer ${emu.token}` } });
  return ((await res.json()) as { status: { stage: string } }).status.stage;
}

function createdId(stdout: string): string {
  const id = /Job created: ([0-9a-f]{24})/.exec(stdout)?.[1];
  if (!id) throw new Error(`no job id in:\n${stdout}`);
  return id;
}

describe("hfjs jobs against the default emulator", () => {
  it("`jobs run` in the foreground prints the output and returns once a completing job ends", { timeout: 60_000 }, async () => {
    const r = await hfjs(emu, ["jobs", "run", "-e", "WHO=hfjs", "-s", "TOKEN_X=sekrit", "--flavor", "cpu-upgrade", "-l", "via=hfjs", "alpine", "--", "sh", "-c", 'echo "hi $WHO $TOKEN_X"; sleep 0.3; echo bye']);
    expect(r.timedOut, r.stdout + r.stderr).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("hi hfjs sekrit\nbye\n");
    const id = createdId(r.stdout);
    expect(await stageOf(id)).toBe("COMPLETED");
  });

  it("`jobs run` in the foreground returns once a failing job ends", { timeout: 60_000 }, async () => {
    const r = await hfjs(emu, ["jobs", "run", "alpine", "--", "sh", "-c", "echo about to fail; exit 5"]);
    expect(r.timedOut, r.stdout + r.stderr).toBe(false);
    expect(r.stdout).toContain("about to fail\n");
    expect(await stageOf(createdId(r.stdout))).toBe("ERROR");
  });

  it("`jobs run` in the foreground returns once the job is cancelled from elsewhere", { timeout: 60_000 }, async () => {
    const running = hfjs(emu, ["jobs", "run", "alpine", "--", "sh", "-c", "echo waiting; sleep 60"]);
    const id = await eventually(async () => {
      const list = (await (await fetch(`${emu.url}/api/jobs/${emu.namespace}?stage=RUNNING`, { headers: { Authorization: `Bearer ${emu.token}` } })).json()) as {
        id: string;
        command: string[];
      }[];
      return list.find((j) => j.command.join(" ").includes("echo waiting"))?.id;
    });
    await new Promise((r) => setTimeout(r, 300));
    await fetch(`${emu.url}/api/jobs/${emu.namespace}/${id}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${emu.token}` } });
    const r = await running;
    expect(r.timedOut, r.stdout + r.stderr).toBe(false);
    expect(r.stdout).toContain("waiting\n");
    expect(await stageOf(id)).toBe("CANCELED");
  });

  it("`jobs logs` of a running job follows it to its end; of a finished job it prints and returns", { timeout: 60_000 }, async () => {
    const detached = await hfjs(emu, ["jobs", "run", "-d", "alpine", "--", "sh", "-c", "echo first; sleep 1; echo second"]);
    expect(detached.code, detached.stderr).toBe(0);
    const id = createdId(detached.stdout);
    const live = await hfjs(emu, ["jobs", "logs", id]);
    expect(live.timedOut, live.stdout + live.stderr).toBe(false);
    expect(live.stdout).toContain("first\nsecond\n");
    expect(await stageOf(id)).toBe("COMPLETED");
    const again = await hfjs(emu, ["jobs", "logs", id]);
    expect(again.timedOut).toBe(false);
    expect(again.stdout).toContain("first\nsecond\n");
  });

  it("`jobs ps -a` lists jobs and `jobs hardware` lists flavors", { timeout: 60_000 }, async () => {
    const ps = await hfjs(emu, ["jobs", "ps", "-a"]);
    expect(ps.code, ps.stderr).toBe(0);
    expect(ps.stdout).toMatch(/^ID\s+STATUS\s+CREATED\s+DOCKER IMAGE/m);
    expect(ps.stdout).toMatch(/[0-9a-f]{24}\s+COMPLETED\s+/);
    const hw = await hfjs(emu, ["jobs", "hardware"]);
    expect(hw.code, hw.stderr).toBe(0);
    expect(hw.stdout).toMatch(/^cpu-basic\s+CPU Basic\s+2 vCPU/m);
  });
});
