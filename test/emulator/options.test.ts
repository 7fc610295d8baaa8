// Start-up options: loopback safety, defaults, notices, container engine selection, close().
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { api, createJob, spec, start, waitTerminal } from "./helpers.js";

describe("binding", () => {
  it("refuses a non-loopback host without allowNonLoopback", async () => {
    await expect(startEmulator({ host: "0.0.0.0", containerEngine: "none", logger: () => {} })).rejects.toThrow(/allowNonLoopback/);
    await expect(startEmulator({ host: "192.168.1.20", containerEngine: "none", logger: () => {} })).rejects.toThrow(/non-loopback/);
  });

  it("binds a non-loopback host when told so in so many words", async () => {
    const emu = await start({ host: "0.0.0.0", allowNonLoopback: true });
    try {
      expect(emu.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      const port = new URL(emu.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/api/jobs/hardware`)).status).toBe(200);
    } finally {
      await emu.close();
    }
  });

  it("listens on 127.0.0.1 with a random port and an hf_emu_ token by default", async () => {
    const emu = await start();
    try {
      expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(emu.token).toMatch(/^hf_emu_[0-9a-f]{32}$/);
      expect(emu.namespace).toBe("emulator-user");
      const whoami = (await (await api(emu)("/api/whoami-v2")).json()) as { name: string };
      expect(whoami.name).toBe("emulator-user");
    } finally {
      await emu.close();
    }
  });

  it("rejects invalid options", async () => {
    await expect(startEmulator({ namespace: "a/b", containerEngine: "none" })).rejects.toThrow(/namespace/);
    await expect(startEmulator({ pageSize: 0, containerEngine: "none" })).rejects.toThrow(/pageSize/);
  });
});

describe("container engine", () => {
  it("says once at start-up that jobs run on the host, without the token", async () => {
    const lines: string[] = [];
    // "auto" looks for engines on the emulator's PATH at start-up: none there, whatever this machine has.
    const savedPath = process.env.PATH;
    process.env.PATH = "/nonexistent-dir";
    const emu = await startEmulator({ containerEngine: "auto", logger: (l) => lines.push(l), token: "hf_secret_token_value" }).finally(() => {
      process.env.PATH = savedPath;
    });
    try {
      await createJob(emu, spec(["true"]));
      expect(lines.length).toBe(1);
      expect(lines[0]).toMatch(/jobs run as plain processes on this host/);
      expect(lines.join("\n")).not.toContain("hf_secret_token_value");
    } finally {
      await emu.close();
    }
  });

  it("fails to start when an explicitly requested engine does not answer", async () => {
    // A `docker` that fails `docker info`, whatever this machine has installed.
    const bin = mkdtempSync(join(tmpdir(), "emu-no-docker-"));
    writeFileSync(join(bin, "docker"), "#!/bin/sh\nexit 1\n");
    chmodSync(join(bin, "docker"), 0o755);
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved ?? ""}`;
    try {
      await expect(startEmulator({ containerEngine: "docker", logger: () => {} })).rejects.toThrow(/docker info/);
    } finally {
      process.env.PATH = saved;
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe("close()", () => {
  it("stops running jobs, removes its temp dir, is idempotent, and refuses connections afterwards", async () => {
    const parent = mkdtempSync(join(tmpdir(), "emu-close-"));
    try {
      const emu = await start({ tmpDir: parent });
      const job = await createJob(emu, spec(["sleep", "60"]));
      await new Promise((r) => setTimeout(r, 100));
      expect(emu.jobs()).toBe(1);
      expect(readdirSync(parent).length).toBe(1);
      await Promise.all([emu.close(), emu.close()]);
      await emu.close();
      expect(emu.jobs()).toBe(0);
      expect(readdirSync(parent)).toEqual([]);
      await expect(fetch(`${emu.url}/api/jobs/hardware`)).rejects.toThrow();
      expect(job.id).toBeTruthy();
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it("removes each job's working directory as soon as the job ends", async () => {
    const parent = mkdtempSync(join(tmpdir(), "emu-work-"));
    const emu = await start({ tmpDir: parent });
    try {
      const job = await createJob(emu, spec(["sh", "-c", "touch file-in-workdir"]));
      await waitTerminal(emu, job.id);
      const root = join(parent, readdirSync(parent)[0] ?? "");
      // Only the log file of the job remains until close().
      expect(readdirSync(root)).toEqual([`${job.id}.log`]);
      expect(existsSync(root)).toBe(true);
    } finally {
      await emu.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
