/**
 * Runs the real bootstrap with a fake `uv` that records its argv (NUL-separated), its working
 * directory and a copy of the shipped files' directory, under each shell an image may have: the local
 * `sh` (dash on Debian, like the default uv image) and, when installed, `busybox sh` with busybox's
 * own applets (Alpine-based images). PATH holds only the tools the bootstrap may use, so a host
 * `uv` can never stand in for the fake. The busybox suite is skipped when busybox is absent.
 */
import { spawnSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../src/core/errors.js";
import { buildUvRunSpec } from "../src/uv/run-uv.js";
import {
  BOOTSTRAP_ARGV0,
  bootstrapCommand,
  encodeFilesPayload,
  FILE_ARGS_ENV,
  FILES_DIR_ENV,
  PAYLOAD_CHUNK_CHARS,
  PAYLOAD_ENV_PREFIX,
  type ShippedFile,
  shippedFilesIn,
  UV_BOOTSTRAP,
} from "../src/uv/bootstrap.js";
import { MAX_SHIPPED_BYTES } from "../src/uv/limits.js";
import { decodeFilesPayload } from "./fixtures/uv/decode.js";

/** What the bootstrap needs (sh, base64, printenv, wc, chmod, mktemp or mkdir), plus cp for the fake uv. */
const TOOLS = ["sh", "base64", "printenv", "wc", "chmod", "mktemp", "mkdir", "cp"] as const;
const FIXTURES = resolve(import.meta.dirname, "fixtures/uv");

/** Absolute path of a host command, or undefined. */
function hostTool(tool: string): string | undefined {
  const found = spawnSync("sh", ["-c", 'command -v "$1"', "sh", tool], { encoding: "utf8" });
  const path = found.stdout.trim();
  return found.status === 0 && path.startsWith("/") ? path : undefined;
}

/** A shell and the tools beside it: each tool name maps to the binary it runs as. */
interface Shell {
  label: string;
  /** Tool name → binary; a busybox binary runs as the applet named by the link. */
  tools: Record<(typeof TOOLS)[number], string>;
  /** Directory of links named after the tools, set up in beforeAll; PATH of every run. */
  dir: string;
}

function hostShell(): Shell {
  const tools = Object.fromEntries(
    TOOLS.map((tool) => {
      const path = hostTool(tool);
      if (!path) throw new Error(`test host lacks ${tool}`);
      return [tool, path];
    }),
  ) as Shell["tools"];
  return { label: `the local sh (${basename(realpathSync(tools.sh))})`, tools, dir: "" };
}

/**
 * busybox sh with busybox's applets, or undefined when busybox is not installed. An applet
 * missing from this build (Debian's busybox has no printenv; Alpine's has) falls back to the
 * host tool, and the label says so.
 */
function busyboxShell(): Shell | undefined {
  const busybox = hostTool("busybox");
  if (!busybox) return undefined;
  const applets = new Set(spawnSync(busybox, ["--list"], { encoding: "utf8" }).stdout.split("\n"));
  if (!applets.has("sh")) return undefined;
  const fallbacks: string[] = [];
  const tools = Object.fromEntries(
    TOOLS.map((tool) => {
      if (applets.has(tool)) return [tool, busybox];
      fallbacks.push(tool);
      const path = hostTool(tool);
      if (!path) throw new Error(`test host lacks ${tool}`);
      return [tool, path];
    }),
  ) as Shell["tools"];
  const note = fallbacks.length > 0 ? `, host ${fallbacks.join(", ")}` : "";
  return { label: `busybox sh and applets (Alpine images${note})`, tools, dir: "" };
}

const SHELLS = { host: hostShell(), busybox: busyboxShell() };

let root: string;
let runCount = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "hf-jobs-uv-test-"));
  for (const [key, shell] of Object.entries(SHELLS)) {
    if (!shell) continue;
    shell.dir = join(root, `tools-${key}`);
    await mkdir(shell.dir);
    for (const [tool, path] of Object.entries(shell.tools)) await symlink(path, join(shell.dir, tool));
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stderr: string;
  /** argv the fake uv received, or undefined when it never ran. */
  uvArgv?: string[];
  /** Directory holding the copy of the shipped files' directory taken by the fake uv. */
  seen: string;
  /** The shipped files' directory (`HF_JOBS_FILES_DIR`) and the working directory uv ran in. */
  filesDir?: string;
  uvCwd?: string;
  /** Whether the fake uv still saw payload variables in its environment. */
  leaked: boolean;
  /** The working directory the job started in; `tmp` is its TMPDIR. */
  work: string;
  tmp: string;
}

interface ExecuteOptions {
  withUv?: boolean;
  uvExit?: number;
  /** Working directory of the job instead of a fresh writable one. */
  cwd?: string;
  /** Tools left out of PATH. */
  without?: (typeof TOOLS)[number][];
  /** TMPDIR instead of a fresh writable one. */
  tmpdir?: string;
}

/** Executes `command` as the container would, with only `env` plus PATH (the shell's tools). */
async function execute(
  shell: Shell,
  command: string[],
  env: Record<string, string>,
  opts: ExecuteOptions = {},
): Promise<Run> {
  const dir = join(root, `run-${runCount++}`);
  const work = join(dir, "work");
  const tmp = join(dir, "tmp");
  const bin = join(dir, "bin");
  const out = join(dir, "out");
  await mkdir(work, { recursive: true });
  await mkdir(tmp);
  await mkdir(bin);
  await mkdir(out);
  let tools = shell.dir;
  if (opts.without) {
    tools = join(dir, "tools");
    await mkdir(tools);
    for (const [tool, path] of Object.entries(shell.tools)) if (!opts.without.includes(tool as (typeof TOOLS)[number])) await symlink(path, join(tools, tool));
  }
  if (opts.withUv !== false) {
    const fakeUv = [
      // Through the link, so a busybox binary runs as its sh applet.
      `#!${join(shell.dir, "sh")}`,
      'for a in "$@"; do printf \'%s\\0\' "$a"; done >"$FAKE_UV_OUT/argv"',
      'pwd >"$FAKE_UV_OUT/cwd"',
      `printf '%s' "$${FILES_DIR_ENV}" >"$FAKE_UV_OUT/dir"`,
      `cp -R "$${FILES_DIR_ENV}" "$FAKE_UV_OUT/seen"`,
      `if printenv ${PAYLOAD_ENV_PREFIX} >/dev/null || printenv ${PAYLOAD_ENV_PREFIX}_0 >/dev/null || printenv ${FILE_ARGS_ENV} >/dev/null; then : >"$FAKE_UV_OUT/leaked"; fi`,
      'exit "$FAKE_UV_EXIT"',
      "",
    ].join("\n");
    await writeFile(join(bin, "uv"), fakeUv, { mode: 0o755 });
  }
  const [cmd, ...rest] = command;
  const result = spawnSync(cmd ?? "", rest, {
    cwd: opts.cwd ?? work,
    env: { ...env, PATH: `${bin}:${tools}`, TMPDIR: opts.tmpdir ?? tmp, FAKE_UV_OUT: out, FAKE_UV_EXIT: String(opts.uvExit ?? 0) },
    encoding: "utf8",
  });
  if (result.error) throw result.error;
  let uvArgv: string[] | undefined;
  try {
    const raw = await readFile(join(out, "argv"), "utf8");
    uvArgv = raw === "" ? [] : raw.slice(0, -1).split("\0");
  } catch {
    uvArgv = undefined;
  }
  const leaked = await stat(join(out, "leaked")).then(
    () => true,
    () => false,
  );
  const text = (name: string) => readFile(join(out, name), "utf8").catch(() => undefined);
  const filesDir = await text("dir");
  const uvCwd = (await text("cwd"))?.trimEnd();
  return { status: result.status, stderr: result.stderr, uvArgv, seen: join(out, "seen"), filesDir, uvCwd, leaked, work, tmp };
}

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (s: string) => new TextEncoder().encode(s);

/** Deterministic pseudo-random bytes (no seed from the clock: failures must reproduce). */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const NASTY_ARGS = [
  "a b",
  "'single'",
  '"double"',
  "<in",
  ">out",
  "2>&1",
  "|",
  ";",
  "&&",
  "$(touch pwned-subst)",
  "`touch pwned-backtick`",
  "$HOME",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell expansion that must not be expanded
  "${PATH}",
  "*",
  "~",
  "line1\nline2",
  "end\n",
  "\n",
  "tab\there",
  "back\\slash",
  "--flag=-x",
  "-",
  "--",
  "-n",
  "-e",
  "",
  "ünïcødé 😀 中文",
  "%s%d\\n",
];

const NASTY_FILES: ShippedFile[] = [
  { name: "train.py", content: text("print('hi')\n") },
  { name: "my config.yaml", content: text("a: 'single' \"double\" <in >out $(touch pwned-in-file) `touch x` $HOME\nb: 2\n") },
  { name: "données-😀.json", content: text('{"k": "ünïcødé"}') },
  { name: "quote'\"name.txt", content: text("q") },
  { name: "<>$(touch pwned-name)`x`;&|.txt", content: text("shell characters in the name") },
  { name: "-leading-dash.py", content: text("dash") },
  { name: "trailing space ", content: text("space") },
  { name: "non-utf8.bin", content: bytes(0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a, 0x00) },
  { name: "all-bytes.bin", content: Uint8Array.from({ length: 256 }, (_, i) => i) },
  { name: "empty", content: new Uint8Array(0) },
  { name: "no-final-newline", content: text("x\n\n\n") },
  { name: "big.bin", content: noise(300 * 1024, 42) },
  { name: "exact-chunk.bin", content: noise((PAYLOAD_CHUNK_CHARS / 4) * 3, 7) },
  { name: "chunk-plus-one.bin", content: noise((PAYLOAD_CHUNK_CHARS / 4) * 3 + 1, 9) },
  { name: "run.sh", content: text("#!/bin/sh\necho ok\n"), executable: true },
];

async function expectFiles(dir: string, files: readonly ShippedFile[]): Promise<void> {
  const names = (await readdir(dir)).sort();
  expect(names).toEqual(files.map((f) => f.name).sort());
  for (const file of files) {
    const got = new Uint8Array(await readFile(join(dir, file.name)));
    expect(Buffer.compare(Buffer.from(got), Buffer.from(file.content)), file.name).toBe(0);
    const mode = (await stat(join(dir, file.name))).mode;
    expect((mode & 0o100) !== 0, `${file.name} executable`).toBe(file.executable === true);
  }
}

/** Whether the shell runs its own applets even when they are not on PATH (a busybox built to prefer them): then no tool can be hidden. */
function runsAppletsOffPath(shell: Shell): boolean {
  return spawnSync(join(shell.dir, "sh"), ["-c", "command -v mktemp"], { env: { PATH: "/nonexistent" } }).status === 0;
}

/** The same hostile-payload suite for every shell. */
function executedSuite(shell: Shell): void {
  describe("bootstrap executed", () => {
    it("writes every file byte for byte and passes every argument unchanged", async () => {
      const uvArgs = ["--with", "trl>=0.12", "--python", "3.12", "./train.py", ...NASTY_ARGS];
      const env = encodeFilesPayload(NASTY_FILES);
      expect(Object.keys(env).length).toBeGreaterThan(NASTY_FILES.length); // big.bin spans several chunks
      const run = await execute(shell, bootstrapCommand(uvArgs), env);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.uvArgv).toEqual(["run", ...uvArgs]);
      await expectFiles(run.seen, NASTY_FILES); // what uv saw, and nothing else (no "pwned-*")
      expect(await readdir(run.work)).toEqual([]); // the working directory is left alone
      expect(run.uvCwd).toBe(run.work);
      expect(run.filesDir?.startsWith(`${run.tmp}/`)).toBe(true);
      expect(await readdir(run.tmp)).toEqual([basename(run.filesDir ?? "")]);
      expect(run.leaked).toBe(false);
    });

    it("writes the files when the working directory cannot be written, and runs uv in it", async () => {
      // Nobody, root included, can create a file in /proc: like a non-root user in an image's /.
      const files = [{ name: "a.py", content: text("print(1)\n") }];
      const run = await execute(shell, bootstrapCommand(["a.py", "--out", "results"]), encodeFilesPayload(files, [1]), { cwd: "/proc" });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.uvCwd).toBe("/proc");
      expect(run.uvArgv).toEqual(["run", `${run.filesDir}/a.py`, "--out", "results"]);
      await expectFiles(run.seen, files);
    });

    it("falls back to a new directory in TMPDIR when the image has no mktemp", async (ctx) => {
      if (runsAppletsOffPath(shell)) ctx.skip();
      const files = [{ name: "a.py", content: text("x") }];
      const run = await execute(shell, bootstrapCommand(["a.py"]), encodeFilesPayload(files, [1]), { without: ["mktemp"] });
      expect(run.stderr).toBe("");
      expect(run.filesDir).toMatch(new RegExp(`^${run.tmp}/${BOOTSTRAP_ARGV0}\\.\\d+$`));
      expect(run.uvArgv).toEqual(["run", `${run.filesDir}/a.py`]);
      await expectFiles(run.seen, files);
    });

    it("falls back to /tmp when TMPDIR cannot be written", async () => {
      const files = [{ name: "a.py", content: text("x") }];
      const run = await execute(shell, bootstrapCommand(["a.py"]), encodeFilesPayload(files, [1]), { tmpdir: "/proc" });
      try {
        expect(run.stderr).toBe("");
        expect(run.filesDir).toMatch(/^\/tmp\//);
        await expectFiles(run.seen, files);
      } finally {
        if (run.filesDir?.startsWith("/tmp/")) await rm(run.filesDir, { recursive: true, force: true });
      }
    });

    it("fails clearly, before uv, when no temporary directory can be made", async (ctx) => {
      if (runsAppletsOffPath(shell)) ctx.skip();
      const env = encodeFilesPayload([{ name: "a.py", content: text("x") }], [1]);
      const run = await execute(shell, bootstrapCommand(["a.py"]), env, { without: ["mktemp", "mkdir"] });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(`${BOOTSTRAP_ARGV0}: cannot create a temporary directory for the shipped files`);
      expect(run.uvArgv).toBeUndefined();
    });

    it("points exactly the marked arguments at the shipped files", async () => {
      const files = [
        { name: "a.py", content: text("1") },
        { name: "b c.yaml", content: text("2") },
      ];
      const uvArgs = ["--with", "x", "a.py", "b c.yaml", "b c.yaml", "a.py", "-", ""];
      const run = await execute(shell, bootstrapCommand(uvArgs), encodeFilesPayload(files, [3, 5]));
      expect(run.stderr).toBe("");
      const d = run.filesDir ?? "";
      expect(run.uvArgv).toEqual(["run", "--with", "x", `${d}/a.py`, "b c.yaml", `${d}/b c.yaml`, "a.py", "-", ""]);
      expect(run.leaked).toBe(false);
    });

    it("runs uv with no files at all and an empty manifest", async () => {
      const run = await execute(shell, bootstrapCommand(["python", "-c", "print(1)"]), encodeFilesPayload([]));
      expect(run.status).toBe(0);
      expect(run.uvArgv).toEqual(["run", "python", "-c", "print(1)"]);
      expect(await readdir(run.seen)).toEqual([]);
    });

    it("exits with uv's own exit status (exec, no wrapper left)", async () => {
      const run = await execute(shell, bootstrapCommand(["./a.py"]), encodeFilesPayload([{ name: "a.py", content: text("") }]), { uvExit: 7 });
      expect(run.status).toBe(7);
    });

    it("fails clearly when uv is absent from the image", async () => {
      const run = await execute(shell, bootstrapCommand(["./a.py"]), encodeFilesPayload([{ name: "a.py", content: text("x") }]), { withUv: false });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(`${BOOTSTRAP_ARGV0}: uv not found on PATH`);
    });

    it("fails before running uv when a chunk is missing", async () => {
      const env = encodeFilesPayload([{ name: "big.bin", content: noise(200 * 1024, 3) }]);
      delete env[`${PAYLOAD_ENV_PREFIX}_1`];
      const run = await execute(shell, bootstrapCommand(["./big.bin"]), env);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain("hf-jobs-uv: big.bin is incomplete");
      expect(run.uvArgv).toBeUndefined();
    });

    it("fails before running uv when a chunk is corrupt, too long or too short", async () => {
      const content = noise(1000, 11);
      const good = encodeFilesPayload([{ name: "a.bin", content }]);
      const chunk = good[`${PAYLOAD_ENV_PREFIX}_0`] ?? "";
      // GNU base64 -d refuses non-base64 input; busybox's skips it, so the size check must catch it.
      const CORRUPT_A_BIN = /hf-jobs-uv: (cannot decode or write a\.bin in |a\.bin is incomplete or corrupt \(expected 1000 bytes\))/;
      const cases: Record<string, string> = {
        "not base64": `${"!".repeat(8)}${chunk.slice(8)}`,
        "extra data": `${chunk}QUJD`,
        "cut short": chunk.slice(0, -8),
      };
      for (const [label, bad] of Object.entries(cases)) {
        const run = await execute(shell, bootstrapCommand(["./a.bin"]), { ...good, [`${PAYLOAD_ENV_PREFIX}_0`]: bad });
        expect(run.status, label).not.toBe(0);
        expect(run.stderr, label).toMatch(CORRUPT_A_BIN);
        expect(run.uvArgv, label).toBeUndefined();
      }
    });

    it("refuses a hand-made payload whose file name would leave the files' directory", async () => {
      const good = encodeFilesPayload([{ name: "a.py", content: text("x") }]);
      const manifest = good[PAYLOAD_ENV_PREFIX] ?? "";
      const b64 = (name: string) => Buffer.from(name, "utf8").toString("base64");
      for (const name of ["../escape.py", "..", "sub/a.py"]) {
        const env = { ...good, [PAYLOAD_ENV_PREFIX]: manifest.replace(b64("a.py"), b64(name)) };
        expect(env[PAYLOAD_ENV_PREFIX], name).not.toBe(manifest);
        const run = await execute(shell, bootstrapCommand(["./a.py"]), env);
        expect(run.status, name).not.toBe(0);
        expect(run.stderr, name).toContain("unsafe file name");
        expect(run.uvArgv, name).toBeUndefined();
        await expect(stat(join(run.tmp, "escape.py")), name).rejects.toThrow();
        await expect(stat(join(run.work, "..", "escape.py")), name).rejects.toThrow();
      }
    });

    it("never runs uv with a file other than the one sent, even when junk is inserted in a chunk", async () => {
      const content = noise(1000, 12);
      const env = encodeFilesPayload([{ name: "a.bin", content }]);
      const chunk = env[`${PAYLOAD_ENV_PREFIX}_0`] ?? "";
      env[`${PAYLOAD_ENV_PREFIX}_0`] = `${chunk.slice(0, 100)}!*\t${chunk.slice(100)}`;
      const run = await execute(shell, bootstrapCommand(["./a.bin"]), env);
      // GNU refuses the chunk; busybox skips the junk and writes the right bytes. Either is fine.
      if (run.uvArgv === undefined) expect(run.status).not.toBe(0);
      else await expectFiles(run.seen, [{ name: "a.bin", content }]);
    });

    it("passes arbitrary generated arguments and file contents through unchanged", async () => {
      // Strings without NUL: Linux cannot carry NUL in argv or environ.
      const arg = fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !s.includes("\0"));
      const name = fc
        .string({ unit: "grapheme", minLength: 1, maxLength: 20 })
        // biome-ignore lint/suspicious/noControlCharactersInRegex: names with control characters are rejected by design
        .filter((s) => !/[/\u0000-\u001f\u007f]/.test(s) && s !== "." && s !== "..");
      await fc.assert(
        fc.asyncProperty(
          fc.array(arg, { maxLength: 8 }),
          fc.uniqueArray(fc.record({ name, content: fc.uint8Array({ maxLength: 300 }) }), { selector: (f) => f.name, maxLength: 4 }),
          async (args, files) => {
            const run = await execute(shell, bootstrapCommand(args), encodeFilesPayload(files));
            expect(run.status).toBe(0);
            expect(run.uvArgv).toEqual(["run", ...args]);
            await expectFiles(run.seen, files.map((f) => ({ ...f, executable: false })));
          },
        ),
        { numRuns: 25, seed: 20240605 },
      );
    });
  });

  describe("buildUvRunSpec output, executed", () => {
    it("ships a local script and a config file and runs them with the caller's arguments", async () => {
      const spec = await buildUvRunSpec(
        {
          script: join(FIXTURES, "plain.py"),
          files: [join(FIXTURES, "config.yaml")],
          dependencies: ["rich"],
          args: ["--config", "config.yaml", "$(id)", "a\nb"],
        },
        { env: {} },
      );
      const run = await execute(shell, spec.command ?? [], spec.env ?? {});
      expect(run.status).toBe(0);
      // config.yaml is the name of a shipped file: it points at the copy, like the script.
      const d = run.filesDir ?? "";
      expect(run.uvArgv).toEqual(["run", "--with", "rich", `${d}/plain.py`, "--config", `${d}/config.yaml`, "$(id)", "a\nb"]);
      await expectFiles(run.seen, [
        { name: "plain.py", content: new Uint8Array(await readFile(join(FIXTURES, "plain.py"))) },
        { name: "config.yaml", content: new Uint8Array(await readFile(join(FIXTURES, "config.yaml"))) },
      ]);
    });

    it("keeps an executable local script executable", async () => {
      const dir = await mkdtemp(join(root, "exec-src-"));
      await writeFile(join(dir, "job.sh"), "#!/bin/sh\necho hi\n");
      await chmod(join(dir, "job.sh"), 0o755);
      const spec = await buildUvRunSpec({ script: "job.sh" }, { cwd: dir, env: {} });
      const run = await execute(shell, spec.command ?? [], spec.env ?? {});
      expect(run.uvArgv).toEqual(["run", `${run.filesDir}/job.sh`]);
      expect((await stat(join(run.seen, "job.sh"))).mode & 0o111).not.toBe(0);
    });
  });
}

describe(SHELLS.host.label, () => executedSuite(SHELLS.host));

// Skipped, not failed, on machines without busybox (CI images may not have it).
describe.skipIf(SHELLS.busybox === undefined)(SHELLS.busybox?.label ?? "busybox sh (not installed)", () => {
  const shell = SHELLS.busybox as Shell;
  it("really runs busybox", () => {
    const banner = spawnSync(join(shell.dir, "sh"), ["--help"], { encoding: "utf8" });
    expect(`${banner.stdout}${banner.stderr}`).toMatch(/BusyBox/);
  });
  executedSuite(shell);
});

describe("payload encoding", () => {
  it("keeps every environment entry far below Linux's 128 KiB per-string limit", () => {
    const env = encodeFilesPayload([{ name: "max.bin", content: noise(MAX_SHIPPED_BYTES, 5) }]);
    for (const [key, value] of Object.entries(env)) {
      expect(Buffer.byteLength(`${key}=${value}`) + 1).toBeLessThanOrEqual(131072);
    }
  });

  it("round-trips through a decoder written apart from the bootstrap", () => {
    const decoded = decodeFilesPayload(encodeFilesPayload(NASTY_FILES));
    expect(decoded.map((f) => [f.name, f.executable])).toEqual(NASTY_FILES.map((f) => [f.name, f.executable === true]));
    decoded.forEach((f, i) => {
      expect(Buffer.compare(Buffer.from(f.content), Buffer.from(NASTY_FILES[i]?.content ?? [])), f.name).toBe(0);
    });
    expect(decodeFilesPayload({})).toEqual([]);
  });

  it("shippedFilesIn (the checks' reader) agrees with the separate decoder, across chunk boundaries", () => {
    const files = [...NASTY_FILES, { name: "chunks.bin", content: noise((PAYLOAD_CHUNK_CHARS / 4) * 3 * 2 + 7, 9) }];
    const env = encodeFilesPayload(files);
    expect(shippedFilesIn(env).map((f) => [f.name, Buffer.from(f.content).toString("base64")])).toEqual(
      decodeFilesPayload(env).map((f) => [f.name, Buffer.from(f.content).toString("base64")]),
    );
    expect(shippedFilesIn({})).toEqual([]);
    expect(shippedFilesIn(undefined)).toEqual([]);
  });

  it("shippedFilesIn skips what a hand-made manifest gets wrong instead of throwing or looping", () => {
    const env = { [PAYLOAD_ENV_PREFIX]: "garbage\n1 999999999999 - YQ==\n5 1 - Yi5weQ==", [`${PAYLOAD_ENV_PREFIX}_0`]: "aGVsbG8=" };
    expect(shippedFilesIn(env).map((f) => [f.name, Buffer.from(f.content).toString()])).toEqual([["b.py", "hello"]]);
  });

  it("lists the arguments that name shipped files only when there are some", () => {
    const files = [{ name: "a", content: text("1") }];
    expect(encodeFilesPayload(files)).not.toHaveProperty(FILE_ARGS_ENV);
    expect(encodeFilesPayload(files, [3, 5])[FILE_ARGS_ENV]).toBe("3 5");
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => encodeFilesPayload(files, [bad]), String(bad)).toThrow(ValidationError);
  });

  it("rejects files over the total limit, duplicate names and unwritable names", () => {
    expect(() => encodeFilesPayload([{ name: "a", content: new Uint8Array(MAX_SHIPPED_BYTES + 1) }])).toThrow(/limit/);
    expect(() =>
      encodeFilesPayload([
        { name: "a", content: text("1") },
        { name: "a", content: text("2") },
      ]),
    ).toThrow(/two files/);
    for (const name of ["", ".", "..", "a/b", "new\nline", "\ud800"]) {
      expect(() => encodeFilesPayload([{ name, content: text("") }]), JSON.stringify(name)).toThrow(ValidationError);
    }
  });

  it("uses one fixed bootstrap whatever the arguments", () => {
    const command = bootstrapCommand(["$(evil)", "'"]);
    expect(command.slice(0, 4)).toEqual(["sh", "-c", UV_BOOTSTRAP, BOOTSTRAP_ARGV0]);
    expect(command.slice(4)).toEqual(["$(evil)", "'"]);
  });
});
