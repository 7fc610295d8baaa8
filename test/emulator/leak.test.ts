// 1,000 short jobs through the emulator leave no process, file descriptor or temp dir behind.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { api, logMessages, processAlive, spec, start, waitFor } from "./helpers.js";

const JOBS = 1000;
const PARALLEL = 25;

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Live (non-zombie) processes whose parent is this test process. */
function children(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === process.pid && fields[0] !== "Z") out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

it(`runs ${JOBS} short jobs and leaves nothing behind after close()`, { timeout: 120_000 }, async () => {
  const parent = mkdtempSync(join(tmpdir(), "emu-leak-"));
  const fdsBefore = openFds();
  const childrenBefore = children();
  const emu = await start({ tmpDir: parent, pageSize: 5000 });
  const call = api(emu);
  const ids: string[] = [];
  try {
    await inParallel(
      Array.from({ length: JOBS }, (_, i) => i),
      async () => {
        const res = await call(`/api/jobs/${emu.namespace}`, { method: "POST", body: spec(["sh", "-c", "echo $$"]) });
        expect(res.status).toBe(200);
        ids.push(((await res.json()) as { id: string }).id);
      },
    );
    await waitFor(
      async () => {
        const active = (await (await call(`/api/jobs/${emu.namespace}?stage=SCHEDULING&stage=RUNNING`)).json()) as unknown[];
        return active.length === 0 ? true : undefined;
      },
      90_000,
      500,
    );
    const completed = (await (await call(`/api/jobs/${emu.namespace}?stage=COMPLETED`)).json()) as unknown[];
    expect(completed.length).toBe(JOBS);
    expect(emu.jobs()).toBe(0);

    const pids: number[] = [];
    await inParallel(ids, async (id) => {
      const res = await call(`/api/jobs/${emu.namespace}/${id}/logs`);
      pids.push(Number(logMessages(await res.text())[0]));
    });
    expect(pids.length).toBe(JOBS);
    expect(pids.every((p) => Number.isInteger(p) && p > 0)).toBe(true);
    expect(readdirSync(readdirSync(parent).map((d) => join(parent, d))[0] ?? parent).length).toBeGreaterThanOrEqual(JOBS);

    await emu.close();
    expect(emu.jobs()).toBe(0);
    expect(pids.filter(processAlive)).toEqual([]);
    expect(children().filter((pid) => !childrenBefore.includes(pid))).toEqual([]);
    expect(readdirSync(parent)).toEqual([]);
    // Client-side keep-alive sockets close asynchronously once the server dropped them.
    await waitFor(() => (openFds() <= fdsBefore ? true : undefined), 5000, 50);
    expect(openFds()).toBeLessThanOrEqual(fdsBefore);
  } finally {
    await emu.close();
    rmSync(parent, { recursive: true, force: true });
  }
});
