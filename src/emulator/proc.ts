/**
 * Linux /proc sampling of a process group: CPU time and resident memory of every member.
 * @module
 */
import { readFile, readdir } from "node:fs/promises";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** One reading of a process group. */
export interface GroupSample {
  cpuPercent: number;
  rssBytes: number;
}

interface StatFields {
  pgrp: number;
  ticks: number;
}

/** Fields of /proc/<pid>/stat after the `(comm)` field, which may itself contain spaces and parentheses. */
function parseStat(text: string): StatFields | undefined {
  const close = text.lastIndexOf(")");
  if (close === -1) return undefined;
  const f = text.slice(close + 2).split(" ");
  // f[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
  const pgrp = Number(f[2]);
  const ticks = Number(f[11]) + Number(f[12]);
  return Number.isFinite(pgrp) && Number.isFinite(ticks) ? { pgrp, ticks } : undefined;
}

async function rssOf(pid: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Samples one process group; CPU % comes from the tick delta since the previous sample (100 = one core). */
export class GroupSampler {
  #previous = new Map<string, number>();
  #previousAt: bigint | undefined;
  readonly #pgid: number;

  constructor(pgid: number) {
    this.#pgid = pgid;
  }

  /** Reads every member of the group; zeros where /proc is unavailable. */
  async sample(): Promise<GroupSample> {
    let entries: string[];
    try {
      entries = await readdir("/proc");
    } catch {
      return { cpuPercent: 0, rssBytes: 0 };
    }
    const now = process.hrtime.bigint();
    const ticks = new Map<string, number>();
    let rssBytes = 0;
    await Promise.all(
      entries
        .filter((e) => /^\d+$/.test(e))
        .map(async (pid) => {
          try {
            const stat = parseStat(await readFile(`/proc/${pid}/stat`, "utf8"));
            if (!stat || stat.pgrp !== this.#pgid) return;
            ticks.set(pid, stat.ticks);
            rssBytes += await rssOf(pid);
          } catch {
            // The process ended while we looked.
          }
        }),
    );
    let cpuPercent = 0;
    if (this.#previousAt !== undefined) {
      let delta = 0;
      for (const [pid, t] of ticks) delta += Math.max(0, t - (this.#previous.get(pid) ?? 0));
      const seconds = Number(now - this.#previousAt) / 1e9;
      if (seconds > 0) cpuPercent = Math.round(((delta / TICKS_PER_SECOND / seconds) * 100) * 100) / 100;
    }
    this.#previous = ticks;
    this.#previousAt = now;
    return { cpuPercent, rssBytes };
  }
}
