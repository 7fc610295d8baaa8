// Property-based tests of what the SDK reads from the network and of the uv/schedule inputs it
// turns into requests: SSE byte streams split at random points (inside multi-byte characters and
// `data:` lines), keep-alives interleaved, connections cut at any byte, random and truncated
// payloads, random statuses. The SDK yields exactly the lines sent, or throws one of its typed
// errors; never anything else, and never the token. The streams come through the client's
// injectable `fetch`: a `Response` whose body is a ReadableStream this file controls.
import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConnectionError, HfJobsError, JobsClient, ValidationError, validateSchedule } from "../src/index.js";
import type { LogLine, LogsOptions } from "../src/index.js";
import { buildRunBody } from "../src/jobs/spec.js";
import { type UvIo, type UvSpec, buildUvRunSpec } from "../src/uv/run-uv.js";

const TOKEN = "hf_FuzzSseToken0123456789abcdefghijkl";
const SECRET = "fuzz-sse-secret-value-42";
const NS = "fuzz-ns";
const JOB_ID = "687fb701029421ae5549d998";
const REF = `${NS}/${JOB_ID}`;
const encoder = new TextEncoder();

function leaks(error: unknown): boolean {
  const text = [String(error), error instanceof Error ? (error.stack ?? "") : "", JSON.stringify(error) ?? "", inspect(error, { depth: 6 })].join("\n");
  return text.includes(TOKEN) || text.includes(SECRET);
}

/** Fails the property unless `error` is one of the SDK's typed errors without the token in it. */
function expectTypedError(error: unknown): void {
  if (!(error instanceof HfJobsError)) throw error;
  expect(leaks(error)).toBe(false);
}

function jobWire(stage = "COMPLETED"): Record<string, unknown> {
  return {
    id: JOB_ID,
    createdAt: "2026-01-15T10:30:00.000Z",
    dockerImage: "python:3.12",
    spaceId: null,
    command: ["python", "train.py"],
    arguments: [],
    environment: {},
    flavor: "cpu-basic",
    labels: {},
    status: { stage, message: null },
    owner: { id: "5e9ecfc04957053f60648a3e", name: NS, type: "user" },
  };
}

// --- byte streams ----------------------------------------------------------------------------

/** How one connection's body ends: cleanly after all its bytes, or with a network error after `at` bytes. */
type Ending = { kind: "close" } | { kind: "error"; at: number };

/** Splits `bytes` at the given offsets, taken modulo its length (any byte, so inside UTF-8 sequences too). */
function split(bytes: Uint8Array, cuts: readonly number[], byteByByte: boolean): Uint8Array[] {
  if (byteByByte) return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  const points = [...new Set(cuts.map((c) => c % Math.max(1, bytes.length)))].filter((p) => p > 0).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks.filter((c) => c.length > 0);
}

/** A body that hands out one chunk per read (so the split points are the reads the SDK sees). */
function body(chunks: readonly Uint8Array[], ending: Ending): ReadableStream<Uint8Array> {
  let sent = 0;
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) {
        if (ending.kind === "error") controller.error(new TypeError("terminated"));
        else controller.close();
        return;
      }
      if (ending.kind === "error" && sent + chunk.length >= ending.at) {
        // The connection dies partway through this chunk.
        if (ending.at > sent) controller.enqueue(chunk.slice(0, ending.at - sent));
        controller.error(new TypeError("terminated", { cause: new Error("other side closed") }));
        return;
      }
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

/** One answer of the fake service's log route. */
interface LogAnswer {
  status?: number;
  chunks?: readonly Uint8Array[];
  ending?: Ending;
  text?: string;
}

interface Fake {
  fetch: typeof fetch;
  logRequests: () => number;
}

/**
 * A fake service: the log route answers `logAnswer(n)` for its n-th request (0-based), the job
 * route `jobStatus()`, with a job in stage `jobStage()` (by default terminal, so that a follow ends
 * once the stream does).
 */
function fakeService(logAnswer: (n: number) => LogAnswer, jobStatus: () => number = () => 200, jobStage: () => string = () => "COMPLETED"): Fake {
  let logs = 0;
  const fetchImpl: typeof fetch = async (input) => {
    const url = input instanceof Request ? input.url : String(input);
    // The token goes in the Authorization header, never in a URL.
    if (url.includes(TOKEN)) throw new Error("token in URL");
    if (new URL(url).pathname.endsWith("/logs")) {
      const answer = logAnswer(logs++);
      const status = answer.status ?? 200;
      if (status !== 200 || answer.chunks === undefined) {
        // A server that echoes the credentials back, in the body and in the error header.
        return new Response(answer.text ?? `{"error":"denied for Bearer ${TOKEN}"}`, {
          status,
          headers: { "content-type": "application/json", "x-error-message": `no access with ${TOKEN}` },
        });
      }
      return new Response(body(answer.chunks, answer.ending ?? { kind: "close" }), {
        status: 200,
        headers: { "content-type": "text/event-stream" },
      });
    }
    const status = jobStatus();
    const text = status === 200 ? JSON.stringify(jobWire(jobStage())) : `{"error":"${TOKEN}"}`;
    return new Response(text, { status, headers: { "content-type": "application/json" } });
  };
  return { fetch: fetchImpl, logRequests: () => logs };
}

function client(fake: Fake): JobsClient {
  return new JobsClient({ endpoint: "http://127.0.0.1:9", token: TOKEN, namespace: NS, fetch: fake.fetch, maxRetries: 0 });
}

// Short windows: every stream of this file ends or fails by itself, timers are only a safety net.
const FAST: LogsOptions = { idleTimeoutMs: 200, statusCheckMs: 200, drainMs: 50, reconnect: { baseDelayMs: 1, maxDelayMs: 2, maxReconnects: 4 } };

async function readAll(c: JobsClient, follow: boolean, extra: LogsOptions = {}): Promise<{ lines: LogLine[]; error?: unknown }> {
  const lines: LogLine[] = [];
  try {
    for await (const line of c.logs(REF, { ...FAST, ...extra, follow })) lines.push(line);
    return { lines };
  } catch (error) {
    return { lines, error };
  }
}

// --- log events ------------------------------------------------------------------------------

/** Text of a log line: any Unicode (astral, combining, lone surrogates), quotes, SSE look-alikes. */
const lineText = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom("", "é", "日本語のログ", "🤗🚀 done", 'a "quoted" \\ back\\slash', "data: not an event", ": not a comment", "\ud83d", "line\nbreak", "tab\there", "\r"),
  },
);

/** A timestamp as the service writes it, or a variant (no fraction, microseconds, garbage). */
const timestamp = fc.oneof(
  { weight: 6, arbitrary: fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, "Z")) },
  { weight: 1, arbitrary: fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true }).map((d) => d.toISOString().replace("Z", "123Z")) },
  { weight: 1, arbitrary: fc.constantFrom("not a date", "2026-13-45T99:99:99Z", "", "2026-05-12T14:57:43+02:00") },
);

/** One log event: its line and how its JSON payload is laid out. */
const logEvent = fc.record({
  text: lineText,
  timestamp: fc.option(timestamp, { nil: undefined }),
  // The service's key order, the other order, or an extra key: fast and slow parsing paths.
  layout: fc.constantFrom("service", "service", "service", "reversed", "extra"),
  keepAlivesBefore: fc.nat(2),
});
type LogEvent = typeof logEvent extends fc.Arbitrary<infer T> ? T : never;

/** Stream-wide framing: line terminator and `data:` prefix, both free per the SSE spec. */
const framing = fc.record({ eol: fc.constantFrom("\n", "\n", "\r\n", "\r"), prefix: fc.constantFrom("data: ", "data:") });
type Framing = typeof framing extends fc.Arbitrary<infer T> ? T : never;

function payload(e: LogEvent): string {
  switch (e.layout) {
    case "reversed":
      return JSON.stringify(e.timestamp === undefined ? { data: e.text } : { timestamp: e.timestamp, data: e.text });
    case "extra":
      return JSON.stringify({ data: e.text, timestamp: e.timestamp, level: "info" });
    default:
      return JSON.stringify({ data: e.text, timestamp: e.timestamp });
  }
}

function sseText(events: readonly LogEvent[], f: Framing, trailingKeepAlive: boolean): string {
  const keepAlive = `: keep-alive${f.eol}${f.eol}`;
  let out = "";
  for (const e of events) out += `${keepAlive.repeat(e.keepAlivesBefore)}${f.prefix}${payload(e)}${f.eol}${f.eol}`;
  return trailingKeepAlive ? out + keepAlive : out;
}

/** What the SDK must yield for an event: its text, and the timestamp `new Date()` gives (or none). */
function expected(e: LogEvent): { text: string; ms: number | undefined } {
  const ms = e.timestamp === undefined ? Number.NaN : new Date(e.timestamp).getTime();
  return { text: e.text, ms: Number.isNaN(ms) ? undefined : ms };
}

function observed(line: LogLine): { text: string; ms: number | undefined } {
  return { text: line.text, ms: line.timestamp?.getTime() };
}

// Split offsets (modulo the stream's length): small ones land in the first bytes, large ones anywhere.
const cutsArb = fc.array(fc.nat(), { minLength: 1, maxLength: 40 });

describe("fuzz: SSE byte streams", () => {
  it("yields exactly the lines sent, however the bytes are split, with keep-alives anywhere (snapshot and follow)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(logEvent, { maxLength: 30 }),
        framing,
        cutsArb,
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        async (events, f, cuts, byteByByte, trailingKeepAlive, follow) => {
          const bytes = encoder.encode(sseText(events, f, trailingKeepAlive));
          const fake = fakeService(() => ({ chunks: split(bytes, cuts, byteByByte && bytes.length < 4000) }));
          const { lines, error } = await readAll(client(fake), follow);
          if (error !== undefined) throw error;
          expect(lines.map(observed)).toEqual(events.map(expected));
          expect(fake.logRequests()).toBe(1);
        },
      ),
      { numRuns: 250 },
    );
  });

  it("resumes connections cut at any byte without losing or repeating a line", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(logEvent, { minLength: 1, maxLength: 30 }),
        framing,
        fc.array(fc.tuple(cutsArb, fc.nat()), { maxLength: 3 }),
        cutsArb,
        fc.boolean(),
        async (events, f, cutConnections, lastCuts, follow) => {
          const bytes = encoder.encode(sseText(events, f, false));
          // The first connections die at a random byte; the last one carries the whole log.
          const fake = fakeService((n) => {
            const cut = cutConnections[n];
            if (cut === undefined) return { chunks: split(bytes, lastCuts, false) };
            return { chunks: split(bytes, cut[0], false), ending: { kind: "error", at: cut[1] % (bytes.length + 1) } };
          });
          const { lines, error } = await readAll(client(fake), follow);
          if (error !== undefined) throw error;
          expect(lines.map(observed)).toEqual(events.map(expected));
          expect(fake.logRequests()).toBe(cutConnections.length + 1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("when every connection dies, delivers a prefix of the log (no repeat) and then a ConnectionError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(logEvent, { minLength: 1, maxLength: 20 }),
        framing,
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (events, f, cutAt, follow) => {
          const bytes = encoder.encode(sseText(events, f, false));
          const fake = fakeService((n) => ({
            chunks: split(bytes, [7, 31, 97, 211], false),
            // Always before the last byte: the last event never completes, so no connection gets it all.
            ending: { kind: "error", at: (cutAt[n % cutAt.length] ?? 0) % bytes.length },
          }));
          const { lines, error } = await readAll(client(fake), follow, { reconnect: { baseDelayMs: 1, maxDelayMs: 1, maxReconnects: 2 } });
          const want = events.map(expected);
          expect(lines.map(observed)).toEqual(want.slice(0, lines.length));
          expect(error).toBeInstanceOf(ConnectionError);
          expectTypedError(error);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("a data line of any payload yields that payload as text (JSON lines their `data`), empty data no line", async () => {
    const raw = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.json({ maxDepth: 2 }), fc.constantFrom('{"data":"x"', '{"data":1}', "{}", "null", '{"data":"a","timestamp":"b"'));
    await fc.assert(
      fc.asyncProperty(fc.array(raw.filter((s) => !/[\r\n]/.test(s)), { maxLength: 20 }), cutsArb, async (payloads, cuts) => {
        const text = payloads.map((p) => `data: ${p}\n\n`).join("");
        const fake = fakeService(() => ({ chunks: split(encoder.encode(text), cuts, false) }));
        const { lines, error } = await readAll(client(fake), false);
        if (error !== undefined) throw error;
        const want = payloads.flatMap((p) => {
          let value: unknown;
          try {
            value = JSON.parse(p);
          } catch {
            value = undefined;
          }
          if (value !== null && typeof value === "object" && typeof (value as { data?: unknown }).data === "string") {
            return [(value as { data: string }).data];
          }
          return p === "" ? [] : [p];
        });
        expect(lines.map((l) => l.text)).toEqual(want);
      }),
      { numRuns: 250 },
    );
  });

  it("random bytes, statuses and token-echoing error bodies: lines or a typed error, never the token", async () => {
    const answer = fc.record({
      status: fc.constantFrom(200, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503),
      bytes: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 200 }).map((s) => encoder.encode(s))),
      cuts: cutsArb,
      errorAt: fc.option(fc.nat(300), { nil: undefined }),
      text: fc.oneof(fc.constant(undefined), fc.string(), fc.constant(`{"error":"Bearer ${TOKEN}","error_description":"${SECRET}"}`)),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 4 }), fc.constantFrom(200, 200, 404, 500), fc.boolean(), async (answers, firstJobStatus, follow) => {
        // The first status check answers anything; later ones the (terminal) job, so that a follow
        // of a stream that keeps ending cleanly stops (it reconnects for as long as the job runs).
        let checks = 0;
        const fake = fakeService(
          (n) => {
            const a = answers[Math.min(n, answers.length - 1)] as (typeof answers)[number];
            const chunks = split(a.bytes, a.cuts, false);
            return { status: a.status, chunks, text: a.text, ending: a.errorAt === undefined ? { kind: "close" } : { kind: "error", at: a.errorAt } };
          },
          () => (checks++ === 0 ? firstJobStatus : 200),
        );
        const { error } = await readAll(client(fake), follow, { reconnect: { baseDelayMs: 1, maxDelayMs: 1, maxReconnects: 2 } });
        if (error !== undefined) expectTypedError(error);
      }),
      { numRuns: 300 },
    );
  });

  // Per the SSE spec an event is dispatched only at its blank line: "If the file ends in the middle
  // of an event, before the final empty line, the incomplete event is not dispatched." A body that
  // ends cleanly inside a `data:` line (a close-delimited response whose connection drops, a proxy
  // that cuts a response) must not produce a corrupted line, and a follow must not count it as
  // delivered (the reconnection would then skip the real line at that position).
  it("a body that ends cleanly inside an event yields only the complete events; a follow gets the rest on reconnection", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(logEvent, { minLength: 2, maxLength: 10 }), fc.nat(), fc.boolean(), async (events, where, follow) => {
        const framingLf: Framing = { eol: "\n", prefix: "data: " };
        const complete = sseText(events.slice(0, -1), framingLf, false);
        const last = sseText(events.slice(-1), framingLf, false).replace(/^(: keep-alive\n\n)*/, "");
        // Cut inside the last event's `data:` line (never after its own newline).
        const cut = complete + last.slice(0, 1 + (where % (last.length - 2)));
        const whole = encoder.encode(complete + last);
        // Follow: the job still runs at the first check, so the follow reconnects and gets the whole log.
        let checks = 0;
        const fake = fakeService(
          (n) => ({ chunks: [n === 0 ? encoder.encode(cut) : whole] }),
          () => 200,
          () => (checks++ === 0 ? "RUNNING" : "COMPLETED"),
        );
        const { lines, error } = await readAll(client(fake), follow);
        if (error !== undefined) throw error;
        expect(lines.map(observed)).toEqual((follow ? events : events.slice(0, -1)).map(expected));
      }),
      { numRuns: 100 },
    );
  });
});

// --- uv args and schedules -------------------------------------------------------------------

/** No file system: every path is missing, so scripts are URLs, in-image commands or inline code. */
const noFiles: UvIo = {
  stat: async () => {
    throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
  },
  readFile: async () => {
    throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
  },
  env: {},
  cwd: "/nonexistent",
};

const uvArg = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  { weight: 2, arbitrary: fc.constantFrom("--epochs", "3", "-x", "--", "$HOME", "`id`", "a b", "'q'", '"', ";rm -rf /", "\0", "\ud800", "é🤗", "") },
);

const uvSpecArb = fc.record(
  {
    script: fc.oneof(
      fc.constantFrom("https://example.com/train.py", "python", "lighteval", "-bad", "", "dir/missing.py", "missing.py"),
      fc.record({ code: fc.string({ maxLength: 60 }), name: fc.option(fc.constantFrom("s.py", "a b.py", "../x.py", ""), { nil: undefined }) }),
    ),
    args: fc.array(uvArg, { maxLength: 8 }),
    dependencies: fc.option(fc.array(fc.oneof(fc.constantFrom("trl", "torch>=2.4", "", "-e x"), fc.string({ maxLength: 10 })), { maxLength: 3 }), { nil: undefined }),
    python: fc.option(fc.oneof(fc.constantFrom("3.12", "", "-V"), fc.string({ maxLength: 6 })), { nil: undefined }),
    secrets: fc.option(fc.constant({ HF_TOKEN: SECRET }), { nil: undefined }),
  },
  { requiredKeys: ["script", "args"] },
);

describe("fuzz: uv args and schedules", () => {
  it("buildUvRunSpec passes args byte for byte to the wire, or throws a ValidationError", async () => {
    await fc.assert(
      fc.asyncProperty(uvSpecArb, async (spec) => {
        let body: ReturnType<typeof buildRunBody>;
        try {
          body = buildRunBody(await buildUvRunSpec(spec as UvSpec, noFiles));
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect(leaks(error)).toBe(false);
          return;
        }
        // What fetch sends: UTF-8 JSON. The argv the job sees ends with the args, unchanged.
        const wire = JSON.parse(new TextDecoder().decode(encoder.encode(JSON.stringify(body)))) as { command: string[]; arguments: string[] };
        const argv = [...wire.command, ...wire.arguments];
        expect(argv.slice(argv.length - spec.args.length)).toEqual(spec.args);
      }),
      { numRuns: 400 },
    );
  });

  it("runUv and scheduled.create send nothing when the input is invalid, and never leak the token or a secret", async () => {
    const schedule = fc.oneof(fc.constantFrom("@daily", "@reboot", "0 9 * * MON-FRI", "*/5 * * * *", "0 24 * * *", "* * * * * *", "", " @Hourly "), fc.string({ maxLength: 20 }), fc.anything());
    await fc.assert(
      fc.asyncProperty(uvSpecArb, schedule, async (spec, sched) => {
        let sent = 0;
        const fetchStub: typeof fetch = async (input) => {
          sent++;
          const url = input instanceof Request ? input.url : String(input);
          const scheduled = url.includes("/scheduled-jobs/");
          const wire = scheduled ? { id: "s1", schedule: "@daily", jobSpec: { dockerImage: "x", command: [], arguments: [] }, suspend: false, concurrency: false } : jobWire("SCHEDULING");
          return new Response(JSON.stringify(wire), { status: 200, headers: { "content-type": "application/json" } });
        };
        const c = new JobsClient({ endpoint: "http://127.0.0.1:9", token: TOKEN, namespace: NS, fetch: fetchStub, maxRetries: 0 });
        // runUv reads the real file system: keep to URLs, commands and inline code.
        const safe = typeof spec.script === "string" && !/^https?:/.test(spec.script) ? { ...spec, script: "python" } : spec;
        for (const call of [() => c.runUv(safe as UvSpec), () => c.scheduled.create({ schedule: sched as string, job: safe as UvSpec })]) {
          const before = sent;
          try {
            await call();
          } catch (error) {
            expectTypedError(error);
            if (error instanceof ValidationError) expect(sent).toBe(before);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it("validateSchedule returns a normalised schedule that validates to itself, or throws a ValidationError", () => {
    const cronish = fc
      .array(
        fc.oneof(
          fc.constantFrom("*", "*/5", "0", "59", "60", "1-5", "5-1", "MON-FRI", "jan", "L", "?", "#", "1,2", ",", "1/2", "0-59/15", "7", "24", "32"),
          fc.string({ maxLength: 4 }),
        ),
        { minLength: 0, maxLength: 7 },
      )
      .chain((fields) => fc.constantFrom(" ", "  ", "\t", " \u00a0").map((sep) => fields.join(sep)));
    fc.assert(
      fc.property(fc.oneof(cronish, fc.string({ unit: "binary", maxLength: 30 }), fc.anything()), (s) => {
        let normal: string;
        try {
          normal = validateSchedule(s as string);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          return;
        }
        expect(validateSchedule(normal)).toBe(normal);
        expect(normal).toBe(normal.trim());
      }),
      { numRuns: 2000 },
    );
  });
});
