/**
 * Unit tests of the CLI's pure parts: where our options end and the job's argv begins, env and
 * dotenv parsing, volumes and labels, exit codes, output modes, sweep substitution.
 */
import { describe, expect, it } from "vitest";
import { ApiError, ConnectionError, JobNotFoundError, MissingTokenError, ValidationError, WaitTimeoutError } from "../src/core/errors.js";
import { GLOBAL_OPTIONS, parseCommandArgs, splitArgs } from "../src/cli/args.js";
import { buildEnvAndSecrets, type EnvContext, parseAssignment, parseDotenv } from "../src/cli/env.js";
import { EXIT, exitCodeForError, exitCodeForStage, UsageError } from "../src/cli/exit.js";
import { JOB_OPTIONS, parseLabels, parseVolume, RUN_ONLY_OPTIONS, UV_OPTIONS } from "../src/cli/job-options.js";
import { Output, outputMode, renderTable, shellJoin } from "../src/cli/output.js";
import { Progress } from "../src/cli/progress.js";
import { askInterrupt } from "../src/cli/commands/follow.js";
import { itemSpec, parseParams, substitute } from "../src/cli/commands/sweep.js";
import { PassThrough } from "node:stream";

const RUN = { ...GLOBAL_OPTIONS, ...JOB_OPTIONS, ...RUN_ONLY_OPTIONS };

describe("job option splitting", () => {
  it("the job's own options after the image are the job's (python -c ...)", () => {
    const p = parseCommandArgs(["-e", "A=1", "python:3.12", "python", "-c", "print(1)"], RUN, 1);
    expect(p.positionals).toEqual(["python:3.12"]);
    expect(p.rest).toEqual(["python", "-c", "print(1)"]);
    expect(p.values.env).toEqual(["A=1"]);
  });

  it("takes our options anywhere before --, after the image or script too (as hf jobs does)", () => {
    const p = parseCommandArgs(["train.py", "--flavor", "a10g-small", "--epochs", "3", "-d"], { ...RUN, ...UV_OPTIONS }, 1);
    expect(p.values.flavor).toBe("a10g-small");
    expect(p.values.detach).toBe(true);
    expect(p.positionals).toEqual(["train.py"]);
    expect(p.rest).toEqual(["--epochs", "3"]);
    const q = parseCommandArgs(["alpine", "cmd", "-q", "--json", "x"], RUN, 1);
    expect(q.values.quiet).toBe(true);
    expect(q.values.json).toBe(true);
    expect(q.rest).toEqual(["cmd", "x"]);
  });

  it("passes everything after -- to the job verbatim, our option names and later -- included", () => {
    const p = parseCommandArgs(["img", "--", "python", "--flavor", "x", "-q", "--", "--help"], RUN, 1);
    expect(p.values.flavor).toBeUndefined();
    expect(p.values.quiet).toBeUndefined();
    expect(p.values.help).toBeUndefined();
    expect(p.rest).toEqual(["python", "--flavor", "x", "-q", "--", "--help"]);
    // Words before the -- stay in order in front of it.
    expect(parseCommandArgs(["img", "node", "--", "-e", "x"], RUN, 1).rest).toEqual(["node", "-e", "x"]);
    // A -- before the image ends our options: the image comes from what follows.
    expect(splitArgs(["-d", "--", "alpine", "echo", "--", "x"], RUN, 1)).toEqual({ head: ["-d"], forced: ["alpine"], rest: ["echo", "--", "x"] });
  });

  it("takes the next token as an option's value, whatever it looks like", () => {
    const p = parseCommandArgs(["--name", "job1", "-l", "k=v", "--flavor=l4x1", "-eX=1", "img", "-x"], RUN, 1);
    expect(p.values).toMatchObject({ name: "job1", label: ["k=v"], flavor: "l4x1", env: ["X=1"] });
    expect(p.positionals).toEqual(["img"]);
    expect(p.rest).toEqual(["-x"]);
    // A value that is also an image-like word is not mistaken for the image.
    expect(parseCommandArgs(["--timeout", "90m", "alpine", "true"], RUN, 1).positionals).toEqual(["alpine"]);
  });

  it("reads grouped short flags (-dq) and a short option with its value attached", () => {
    const p = parseCommandArgs(["-dq", "-lteam=ml", "alpine", "ls"], RUN, 1);
    expect(p.values).toMatchObject({ detach: true, quiet: true, label: ["team=ml"] });
    expect(p.rest).toEqual(["ls"]);
    // After the image, a cluster with a letter that is not ours is the job's whole.
    expect(parseCommandArgs(["alpine", "ls", "-dxq"], RUN, 1).rest).toEqual(["ls", "-dxq"]);
  });

  it("counts several leading positionals (scheduled run SCHEDULE IMAGE)", () => {
    const p = parseCommandArgs(["@hourly", "--flavor", "l4x1", "alpine", "echo", "--", "--flavor"], RUN, 2);
    expect(p.positionals).toEqual(["@hourly", "alpine"]);
    expect(p.values.flavor).toBe("l4x1");
    expect(p.rest).toEqual(["echo", "--flavor"]);
  });

  it("reads every token as ours when the command has no job argv", () => {
    const p = parseCommandArgs(["id1", "--json", "id2"], GLOBAL_OPTIONS, Number.POSITIVE_INFINITY);
    expect(p.positionals).toEqual(["id1", "id2"]);
    expect(p.values.json).toBe(true);
    expect(p.rest).toEqual([]);
  });

  it("reports unknown options (with a did-you-mean) and missing values as short usage errors", () => {
    expect(() => parseCommandArgs(["--nope", "alpine"], RUN, 1)).toThrow(new UsageError("unknown option --nope"));
    expect(() => parseCommandArgs(["--flavr", "x", "alpine"], RUN, 1)).toThrow(new UsageError("unknown option --flavr; did you mean --flavor?"));
    expect(() => parseCommandArgs(["--flavor"], RUN, 1)).toThrow(/--flavor needs a value/);
    expect(() => parseCommandArgs(["--name", "-x", "alpine"], RUN, 1)).toThrow(/starts with "-"; write it as --name=VALUE/);
    expect(() => parseCommandArgs(["-e"], RUN, 1)).toThrow(new UsageError("option --env needs a value"));
    expect(() => parseCommandArgs(["--json=1", "alpine"], RUN, 1)).toThrow(new UsageError("option --json takes no value"));
  });
});

describe("env and secrets", () => {
  const ctx = (over: Partial<EnvContext> = {}): EnvContext => ({
    local: { LOCAL_A: "from-shell", HF_TOKEN: "hf_shellToken0123456789" },
    cwd: "/work",
    token: async () => "hf_resolvedToken0123456789",
    readText: async (path) => {
      if (path === "/work/vars.env") return 'export A=1\n# comment\nB="two words"\nC=\'$lit\'\nD=x # note\nLOCAL_A\nM="l1\\nl2"\n';
      if (path === "/work/s.env") return "S1=secret-one\nHF_TOKEN\n";
      throw Object.assign(new Error("nope"), { code: "ENOENT" });
    },
    ...over,
  });

  it("parses KEY=VALUE and bare KEY", () => {
    expect(parseAssignment("A=b=c", "-e")).toEqual({ key: "A", value: "b=c" });
    expect(parseAssignment("A=", "-e")).toEqual({ key: "A", value: "" });
    expect(parseAssignment("A", "-e")).toEqual({ key: "A", value: undefined });
    expect(() => parseAssignment("=x", "-e")).toThrow(UsageError);
  });

  it("parses dotenv files: export, comments, quotes, escapes, multi-line values, bare keys", () => {
    const text = 'export A=1\n\n# c\nB = "x \\"y\\"\\tz"\nC=\'a # b\'\nD=plain # comment\nE="line1\nline2"\nF\n';
    expect(parseDotenv(text, "f.env")).toEqual([
      { key: "A", value: "1", line: 1 },
      { key: "B", value: 'x "y"\tz', line: 4 },
      { key: "C", value: "a # b", line: 5 },
      { key: "D", value: "plain", line: 6 },
      { key: "E", value: "line1\nline2", line: 7 },
      { key: "F", value: undefined, line: 9 },
    ]);
    expect(() => parseDotenv('A="open\n', "f.env")).toThrow(/f.env:1: unterminated double quote/);
    expect(() => parseDotenv("not valid line\n", "f.env")).toThrow(/f.env:1/);
  });

  it("reads files first, flags override, bare keys take the local value", async () => {
    const r = await buildEnvAndSecrets({ env: ["A=flag", "LOCAL_A"], envFiles: ["vars.env"], secrets: [], secretsFiles: [] }, ctx());
    expect(r.env).toEqual({ A: "flag", B: "two words", C: "$lit", D: "x", LOCAL_A: "from-shell", M: "l1\nl2" });
    expect(r.secrets).toEqual({});
  });

  it("-s HF_TOKEN forwards the resolved token as a secret, never as env", async () => {
    const r = await buildEnvAndSecrets({ env: [], envFiles: [], secrets: ["HF_TOKEN", "X=1"], secretsFiles: ["s.env"] }, ctx());
    expect(r.secrets).toEqual({ S1: "secret-one", HF_TOKEN: "hf_resolvedToken0123456789", X: "1" });
    expect(r.env).toEqual({});
    await expect(buildEnvAndSecrets({ env: ["HF_TOKEN"], envFiles: [], secrets: [], secretsFiles: [] }, ctx())).rejects.toThrow(/use -s HF_TOKEN/);
    await expect(
      buildEnvAndSecrets({ env: [], envFiles: [], secrets: ["HF_TOKEN"], secretsFiles: [] }, ctx({ token: async () => undefined })),
    ).rejects.toThrow(/no token found/);
  });

  it("rejects a bare key missing locally and an unreadable file, without echoing values", async () => {
    await expect(buildEnvAndSecrets({ env: ["MISSING"], envFiles: [], secrets: [], secretsFiles: [] }, ctx())).rejects.toThrow(
      /MISSING is not set in the local environment/,
    );
    await expect(buildEnvAndSecrets({ env: [], envFiles: ["gone.env"], secrets: [], secretsFiles: [] }, ctx())).rejects.toThrow(
      /--env-file gone.env: cannot read the file \(ENOENT\)/,
    );
  });
});

describe("volumes and labels", () => {
  it("parses hf:// volumes with type, path, revision and mode", () => {
    expect(parseVolume("hf://org/model:/m")).toEqual({ type: "model", source: "org/model", mountPath: "/m" });
    expect(parseVolume("hf://datasets/org/ds/sub/dir:/data:ro")).toEqual({
      type: "dataset",
      source: "org/ds",
      mountPath: "/data",
      path: "sub/dir",
      readOnly: true,
    });
    expect(parseVolume("hf://buckets/me/b:/out:rw")).toEqual({ type: "bucket", source: "me/b", mountPath: "/out", readOnly: false });
    expect(parseVolume("hf://spaces/o/s@v1:/s")).toEqual({ type: "space", source: "o/s", mountPath: "/s", revision: "v1" });
    expect(() => parseVolume("./local:/data")).toThrow(/local directories are not supported/);
    expect(() => parseVolume("hf://org:/m")).toThrow(UsageError);
    expect(() => parseVolume("hf://org/x:relative")).toThrow(UsageError);
  });

  it("parses labels, a bare key meaning an empty value", () => {
    expect(parseLabels(["a=1", "b", "c=x=y"])).toEqual({ a: "1", b: "", c: "x=y" });
  });
});

describe("exit codes", () => {
  it("maps each final stage to its own code, 0 only for COMPLETED", () => {
    expect(exitCodeForStage("COMPLETED")).toBe(0);
    expect(exitCodeForStage("ERROR", "Job failed with exit code: 3")).toBe(EXIT.JOB_ERROR);
    expect(exitCodeForStage("ERROR", "Job timeout")).toBe(EXIT.JOB_TIMEOUT);
    expect(exitCodeForStage("CANCELED")).toBe(EXIT.JOB_CANCELED);
    expect(exitCodeForStage("DELETED")).toBe(EXIT.JOB_DELETED);
    expect(exitCodeForStage("EXPLODED")).toBe(EXIT.JOB_UNKNOWN);
    const codes = [EXIT.OK, EXIT.JOB_ERROR, EXIT.USAGE, EXIT.JOB_CANCELED, EXIT.JOB_TIMEOUT, EXIT.JOB_DELETED, EXIT.JOB_UNKNOWN, EXIT.WAIT_TIMEOUT, EXIT.API, EXIT.NETWORK];
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("maps errors: usage 2, API 8, network 9, wait timeout 7, abort 130", () => {
    expect(exitCodeForError(new UsageError("x"))).toBe(2);
    expect(exitCodeForError(new ValidationError("timeout", "bad"))).toBe(2);
    const init = { status: 404, message: "not found", method: "GET", url: "http://x" };
    expect(exitCodeForError(new JobNotFoundError(init))).toBe(8);
    expect(exitCodeForError(new ApiError({ ...init, status: 500 }))).toBe(8);
    expect(exitCodeForError(new MissingTokenError())).toBe(8);
    expect(exitCodeForError(new ConnectionError("refused"))).toBe(9);
    expect(exitCodeForError(new WaitTimeoutError("late"))).toBe(7);
    expect(exitCodeForError(new DOMException("aborted", "AbortError"))).toBe(130);
    expect(exitCodeForError(new TypeError("bug"))).toBe(70);
  });
});

describe("output", () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, sink: { isTTY, write: (t: string) => chunks.push(t) } };
  };
  const rows = [
    { id: "a1", cmd: "echo 'hi'\tthere" },
    { id: "b22", cmd: "x".repeat(50) },
  ];
  const columns = [
    { header: "ID", get: (r: (typeof rows)[number]) => r.id },
    { header: "COMMAND", get: (r: (typeof rows)[number]) => r.cmd, max: 10 },
  ];

  it("picks tables on a terminal, plain text otherwise, --json and -q when asked", () => {
    expect(outputMode({ json: false, quiet: false }, true)).toBe("table");
    expect(outputMode({ json: false, quiet: false }, false)).toBe("plain");
    expect(outputMode({ json: true, quiet: false }, true)).toBe("json");
    expect(outputMode({ json: false, quiet: true }, false)).toBe("quiet");
    expect(() => outputMode({ json: true, quiet: true }, false)).toThrow(UsageError);
  });

  it("prints rows in each mode", () => {
    const plain = sink(false);
    new Output(plain.sink, "plain").rows(rows, columns, { id: (r) => r.id, json: (r) => r });
    expect(plain.chunks.join("")).toBe(`ID\tCOMMAND\na1\techo 'hi' there\nb22\t${"x".repeat(50)}\n`);
    const json = sink(false);
    new Output(json.sink, "json").rows(rows, columns, { id: (r) => r.id, json: (r) => ({ id: r.id }) });
    expect(json.chunks.join("")).toBe('{"id":"a1"}\n{"id":"b22"}\n');
    const quiet = sink(false);
    new Output(quiet.sink, "quiet").rows(rows, columns, { id: (r) => r.id, json: (r) => r });
    expect(quiet.chunks.join("")).toBe("a1\nb22\n");
    expect(renderTable(rows, columns)).toEqual(["ID   COMMAND", "a1   echo 'hi'…", "b22  xxxxxxxxx…"]);
  });

  it("shows commands as they would be typed", () => {
    expect(shellJoin(["python", "-c", "print('x')", "a b", ""])).toBe(`python -c 'print('\\''x'\\'')' 'a b' ''`);
  });

  it("draws progress only on a terminal", () => {
    const pipe = sink(false);
    const p = new Progress(pipe.sink);
    p.update("waiting");
    p.log("done");
    p.stop();
    expect(pipe.chunks).toEqual([]);
    const tty = sink(true);
    const q = new Progress(tty.sink);
    q.update("waiting");
    q.stop();
    expect(tty.chunks.join("")).toContain("waiting");
  });
});

describe("sweep parameters", () => {
  it("parses axes and substitutes {name} placeholders only for known names", () => {
    expect(parseParams(["lr=1e-4,3e-4", "seed=1", "seed=2"])).toEqual({ lr: ["1e-4", "3e-4"], seed: ["1", "2"] });
    expect(() => parseParams(["flavor=a,b"])).toThrow(/--flavor/);
    expect(() => parseParams(["bad-name=1"])).toThrow(UsageError);
    expect(substitute("--lr {lr} {other} {}", { lr: "0.1" })).toBe("--lr 0.1 {other} {}");
  });

  it("builds each item's spec: args, env values and name substituted, params in env, flavor set", () => {
    const spec = itemSpec(
      { image: "alpine", command: ["train", "--lr={lr}"], env: { TAG: "run-{lr}" }, name: "n-{lr}", flavor: "cpu-basic" },
      { lr: "0.1", flavor: "l4x1" },
    );
    expect(spec).toMatchObject({ command: ["train", "--lr=0.1"], env: { TAG: "run-0.1", lr: "0.1" }, name: "n-0.1", flavor: "l4x1" });
  });
});

describe("the Ctrl-C question", () => {
  async function answer(text: string | null): Promise<string> {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = "";
    output.on("data", (d: Buffer) => {
      shown += d.toString();
    });
    const choice = askInterrupt(input, output, "abc123");
    if (text === null) input.end();
    else input.write(text);
    const result = await choice;
    expect(shown).toContain("Job abc123 is still running. [c]ancel it, [d]etach (it keeps running) or [r]esume?");
    return result;
  }

  it("maps the answer; the end of input means detach", async () => {
    expect(await answer("c\n")).toBe("cancel");
    expect(await answer("Cancel\n")).toBe("cancel");
    expect(await answer("d\n")).toBe("detach");
    expect(await answer("\n")).toBe("continue");
    expect(await answer("r\n")).toBe("continue");
    expect(await answer(null)).toBe("detach");
  });
});
