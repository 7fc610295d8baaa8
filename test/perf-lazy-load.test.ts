/**
 * What importing the client defers to its first request: ky (its module builds a `Request` when
 * evaluated, which loads Node's fetch implementation) is loaded by the first request, not by
 * `import("@org/hf-jobs")`. Checked by loading, in a child process that records every module it
 * loads, the source entry alone and then a script that also sends one request.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const RECORD = join(ROOT, "test", "fixtures", "import-graph", "record.mjs");
const ENTRY = join(ROOT, "src", "index.ts");

/** Every module loaded by `node --import tsx/esm record.mjs esm <file>`, as URLs. */
function loadedBy(file: string): string[] {
  const stdout = execFileSync(process.execPath, ["--import", "tsx/esm", RECORD, "esm", file], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "[]") as string[];
}

const kyModules = (loaded: string[]) => loaded.filter((url) => url.includes("/node_modules/ky/"));

describe("ky is loaded by the first request, not at import", () => {
  const dir = mkdtempSync(join(tmpdir(), "hf-jobs-perf-lazy-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("import() of the client loads no module of ky", () => {
    const loaded = loadedBy(ENTRY);
    expect(loaded).toContain(pathToFileURL(join(ROOT, "src", "core", "transport.ts")).href);
    expect(kyModules(loaded)).toEqual([]);
  });

  it("the first request loads ky and answers with the parsed job", () => {
    // The `fetch` option answers in-process: no socket, the same transport path as the service.
    const script = join(dir, "first-request.mts");
    writeFileSync(
      script,
      `import { JobsClient } from ${JSON.stringify(pathToFileURL(ENTRY).href)};
const wire = { id: "job-1", createdAt: "2026-01-01T00:00:00Z", status: { stage: "RUNNING" }, flavor: "cpu-basic" };
const client = new JobsClient({
  endpoint: "https://huggingface.co",
  token: "hf_${"x".repeat(34)}",
  namespace: "me",
  fetch: async () => new Response(JSON.stringify(wire), { status: 200, headers: { "content-type": "application/json" } }),
});
const job = await client.inspect("job-1");
if (job.id !== "job-1" || job.status.stage !== "RUNNING") throw new Error("unexpected job " + JSON.stringify(job));
`,
    );
    const loaded = loadedBy(script);
    expect(kyModules(loaded).length).toBeGreaterThan(0);
  });
});
