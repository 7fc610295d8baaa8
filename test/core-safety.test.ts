/**
 * Secrets in every printed form, the token-in-env guard, option checks and `isUnclearCreate`,
 * against servers that echo what they receive.
 */
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { JobsClient, type JobsClientOptions } from "../src/client.js";
import {
  AmbiguousCreateError,
  ApiError,
  ConnectionError,
  InternalServerError,
  RequestTimeoutError,
  ValidationError,
  isUnclearCreate,
} from "../src/core/errors.js";
import { findToken, looksLikeToken, normalizeToken, printedForms, redact, redactor } from "../src/core/redact.js";
import { backoffMs } from "../src/core/retry.js";
import { resolveEndpoint } from "../src/core/config.js";
import { JOB_ID, jobWire } from "./fixtures/core/helpers.js";
import { type HostileServer, echoRequest, hostileServer, json } from "./fixtures/faults/servers.js";

const NS = "alice";
const TOKEN = "hf_SafetyTestTokenAbCdEfGhIjKlMnOpQrSt";
/** Secrets that JSON or URL encoding changes: a PEM key, service-account JSON, a password. */
const PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
const SA_JSON = '{"type":"service_account","private_key":"a\\nb","client_email":"x@y.iam"}';
const PASSWORD = 'p@ss w/ "quotes" & \\slashes+ümlaut';

const servers: HostileServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof hostileServer>[0]): Promise<HostileServer> {
  const server = await hostileServer(handler);
  servers.push(server);
  return server;
}

function client(server: HostileServer, options: JobsClientOptions = {}): JobsClient {
  return new JobsClient({ endpoint: server.url, token: TOKEN, namespace: NS, timeoutMs: 2000, maxRetries: 0, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-error: ${String(error)}`);
  }
  throw new Error("expected a rejection");
}

/** Every textual form of an error a user might print. */
function renderings(error: Error): string {
  return [String(error), error.stack ?? "", JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })].join("\n");
}

function expectNoForm(text: string, values: string[]): void {
  for (const value of values) {
    for (const form of printedForms(value)) expect(text).not.toContain(form);
  }
}

describe("redaction of every printed form", () => {
  it("printedForms covers raw, JSON-escaped, \\u-escaped, URL- and form-encoded", () => {
    expect(printedForms('a"b\nc ü')).toEqual(
      expect.arrayContaining(['a"b\nc ü', 'a\\"b\\nc ü', 'a\\"b\\nc \\u00fc', "a%22b%0Ac%20%C3%BC", "a%22b%0Ac+%C3%BC"]),
    );
  });

  it("redact masks a secret in each form, and before any cut", () => {
    for (const form of printedForms(PEM)) expect(redact(`x ${form} y`, [PEM])).toBe("x *** y");
    expect(redact(`url?p=${encodeURIComponent(PASSWORD)}`, [PASSWORD])).toBe("url?p=***");
    const mask = redactor([PASSWORD, TOKEN]);
    expect(mask(`a ${JSON.stringify(PASSWORD)} b ${TOKEN}`)).toBe("a \"***\" b ***");
    expect(mask("hf_transfer is a package")).toBe("hf_transfer is a package");
  });

  it("a FastAPI-style 422 echoing the request JSON-escaped shows no secret and no token", async () => {
    const server = await serve((_req, res, seen) => echoRequest(res, seen));
    const spec = { image: "python:3.12", secrets: { PEM, SA_JSON, PASSWORD, HF: TOKEN } };
    const error = await rejection(client(server).run(spec));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toContain("Value error");
    expectNoForm(renderings(error), [PEM, SA_JSON, PASSWORD, TOKEN]);
  });

  it("a secret straddling the 500-character cut leaves no prefix behind", async () => {
    const secret = "straddling-secret-value-0123456789abcdef";
    for (const pad of [480, 490, 495, 499]) {
      const server = await serve((_req, res) => {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end(`${"x".repeat(pad)}${secret} tail`);
      });
      const error = await rejection(client(server).run({ image: "python:3.12", secrets: { S: secret } }));
      expect(error.message).not.toContain(secret.slice(0, 8));
    }
  });

  it("a secret or the token cut by the 64 KiB error-body cap leaves no prefix behind", async () => {
    const secret = "capped-secret-value-0123456789abcdef";
    for (const [value, keep] of [
      [secret, 6],
      [TOKEN, 8],
    ] as const) {
      // White space up to the cap, then the echo: the cap falls `keep` characters into the value.
      const server = await serve((_req, res) => {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end(`${" ".repeat(64 * 1024 - 6 - keep)}echo: ${value} and more text after it`);
      });
      const error = await rejection(client(server).run({ image: "python:3.12", secrets: { S: secret } }));
      expect(error.message).not.toContain(value.slice(0, keep));
    }
  });

  it("the client's own token echoed URL-encoded or JSON-escaped is masked, whatever its shape", async () => {
    const plain = 'corp token/with "odd" chars';
    const server = await serve((req, res) =>
      json(res, 500, { error: `got ${encodeURIComponent(plain)} and ${JSON.stringify(plain)} at ${req.url}` }),
    );
    const error = await rejection(client(server, { token: plain }).inspect(JOB_ID));
    expectNoForm(renderings(error), [plain]);
  });
});

describe("the token-in-env guard", () => {
  const CORP_TOKEN = "corp-token-0000-1111-2222";

  it.each([
    ["a trailing newline (a token file)", `${TOKEN}\n`],
    ["a leading space", ` ${TOKEN}`],
    ["Bearer", `Bearer ${TOKEN}`],
    ["quotes", `"${TOKEN}"`],
    ["an OAuth token", "hf_oauth_AbCdEfGhIjKlMnOpQrStUvWx0123"],
  ])("refuses an hf_ token with %s, before any request", async (_label, value) => {
    const server = await serve((_req, res) => json(res, 200, jobWire()));
    const error = await rejection(client(server).run({ image: "python:3.12", env: { TOKEN_VAR: value } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("env.TOKEN_VAR");
    expect(error.message).toContain("secrets");
    expect(renderings(error)).not.toContain(TOKEN);
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ["as is", CORP_TOKEN],
    ["with a newline", `${CORP_TOKEN}\n`],
    ["with Bearer and quotes", `'Bearer ${CORP_TOKEN}'`],
    ["inside a URL", `https://x.test/?t=${CORP_TOKEN}`],
  ])("refuses the client's own token without the hf_ shape, %s", async (_label, value) => {
    const server = await serve((_req, res) => json(res, 200, jobWire()));
    const error = await rejection(client(server, { token: CORP_TOKEN }).run({ image: "python:3.12", env: { CREDS: value } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("env.CREDS");
    expect(renderings(error)).not.toContain(CORP_TOKEN);
    expect(server.requests).toHaveLength(0);
  });

  it("accepts the same value in secrets", async () => {
    const server = await serve((_req, res) => json(res, 200, jobWire()));
    await client(server, { token: CORP_TOKEN }).run({ image: "python:3.12", secrets: { CREDS: CORP_TOKEN } });
    expect(server.requests).toHaveLength(1);
  });

  it("THE token pattern and its helpers", () => {
    expect(looksLikeToken(`x=${TOKEN};`)).toBe(true);
    expect(findToken(`export HF_TOKEN=${TOKEN}\n`)).toBe(TOKEN);
    expect(looksLikeToken("hf_transfer hf_hub_download_with_retries hf_abc")).toBe(false);
    expect(normalizeToken(` "Bearer ${TOKEN}"\n`)).toBe(TOKEN);
  });
});

describe("option checks", () => {
  it.each([Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY])("maxRetries %s is a ValidationError", (maxRetries) => {
    const error = (() => {
      try {
        new JobsClient({ endpoint: "http://127.0.0.1:1", token: TOKEN, maxRetries });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("maxRetries");
    expect((error as ValidationError).detail).toMatch(/whole number/);
  });

  it.each([
    ["baseMs", { baseMs: Number.NaN }],
    ["maxMs", { maxMs: -5 }],
    ["maxRetryAfterMs", { maxRetryAfterMs: Number.POSITIVE_INFINITY }],
    ["maxMs", { baseMs: 10, maxMs: 5 }],
  ])("retryDelays.%s out of range is a ValidationError", (field, retryDelays) => {
    expect(() => new JobsClient({ endpoint: "http://127.0.0.1:1", token: TOKEN, retryDelays })).toThrow(
      expect.objectContaining({ name: "ValidationError", field: `retryDelays.${field}` }),
    );
  });

  it("a maxMs alone below the default first delay is a cap, not an error", () => {
    expect(() => new JobsClient({ endpoint: "http://127.0.0.1:1", token: TOKEN, retryDelays: { maxMs: 100 } })).not.toThrow();
  });

  it("maxResponseBytes must be a whole number above 0", () => {
    for (const maxResponseBytes of [0, -1, 0.5, Number.NaN]) {
      expect(() => new JobsClient({ endpoint: "http://127.0.0.1:1", token: TOKEN, maxResponseBytes })).toThrow(ValidationError);
    }
  });

  it.each([
    ["timeoutMs", Number.POSITIVE_INFINITY],
    ["timeoutMs", 2 ** 31],
    ["pollIntervalMs", Number.NaN],
    ["maxPollIntervalMs", -1],
  ])("wait refuses %s = %s (beyond what a timer holds, or not a delay) before any request", async (field, value) => {
    const server = await serve((_req, res) => json(res, 200, jobWire()));
    const error = await rejection(client(server).wait(JOB_ID, { [field]: value }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
    expect(server.requests).toHaveLength(0);
  });

  it("ValidationError carries field and detail as data, and nests without parsing its message", () => {
    const error = new ValidationError("timeout", "must be at least one second");
    expect(error.message).toBe("Invalid timeout: must be at least one second");
    const nested = error.within("items[3]");
    expect([nested.field, nested.detail]).toEqual(["items[3].timeout", "must be at least one second"]);
    expect(nested.message).toBe("Invalid items[3].timeout: must be at least one second");
  });

  it("one backoff for requests and streams: doubling to a cap, jitter optional", () => {
    const steps = { baseDelayMs: 1000, maxDelayMs: 10_000 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffMs(n, steps, () => 0))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(backoffMs(1, steps, () => 1)).toBe(1500);
    expect(backoffMs(5000, { baseDelayMs: 0, maxDelayMs: 10 }, () => 0)).toBe(0);
  });
});

describe("credentials in the endpoint URL", () => {
  it("are refused with a ValidationError that does not repeat them", () => {
    for (const endpoint of ["http://user:pa55word@127.0.0.1:9", "https://pa55word@hub.test"]) {
      const error = (() => {
        try {
          resolveEndpoint(endpoint);
        } catch (e) {
          return e as Error;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect(renderings(error as Error)).not.toContain("pa55word");
    }
    expect(() => resolveEndpoint(undefined, { HF_ENDPOINT: "http://u:pa55word@h.test" })).toThrow(/HF_ENDPOINT/);
    expect(() => resolveEndpoint("ftp://u:pa55word@h.test")).toThrow(expect.not.objectContaining({ message: expect.stringContaining("pa55word") }));
  });

  it("a printed client shows its endpoint and never its token", () => {
    const c = new JobsClient({ endpoint: "https://hub.test", token: TOKEN });
    expect(inspect(c)).toBe("JobsClient { endpoint: 'https://hub.test' }");
  });
});

describe("isUnclearCreate", () => {
  it("is true for creates that may have landed and false for refusals and for reads", async () => {
    const answers: Array<[number, unknown]> = [
      [503, { error: "down" }],
      [400, { error: "bad" }],
      [429, { error: "slow down" }],
    ];
    let i = 0;
    const server = await serve((_req, res) => {
      const [status, body] = answers[i++] ?? [500, {}];
      json(res, status, body);
    });
    const c = client(server);
    const unavailable = await rejection(c.run({ image: "python:3.12" }));
    expect(unavailable).toBeInstanceOf(InternalServerError);
    expect(isUnclearCreate(unavailable)).toBe(true);
    expect(isUnclearCreate(await rejection(c.run({ image: "python:3.12" })))).toBe(false);
    expect(isUnclearCreate(await rejection(c.run({ image: "python:3.12" })))).toBe(false);
    const readFailure = await rejection(c.inspect(JOB_ID));
    expect(readFailure).toBeInstanceOf(InternalServerError);
    expect(isUnclearCreate(readFailure)).toBe(false);
  });

  it("is true for a dropped create, false for one that never left (refused connection)", async () => {
    const dropped: typeof fetch = async () => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
    };
    const refused: typeof fetch = async () => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect refused"), { code: "ECONNREFUSED" }) });
    };
    const make = (fetchImpl: typeof fetch) => new JobsClient({ endpoint: "http://127.0.0.1:9", token: TOKEN, namespace: NS, maxRetries: 0, fetch: fetchImpl });
    const a = await rejection(make(dropped).run({ image: "python:3.12" }));
    expect(a).toBeInstanceOf(AmbiguousCreateError);
    expect(isUnclearCreate(a)).toBe(true);
    const b = await rejection(make(refused).run({ image: "python:3.12" }));
    expect(b).toBeInstanceOf(ConnectionError);
    expect(isUnclearCreate(b)).toBe(false);
    expect(isUnclearCreate(new RequestTimeoutError("plain"))).toBe(false);
    expect(isUnclearCreate(new Error("other"))).toBe(false);
    expect(isUnclearCreate(undefined)).toBe(false);
  });
});
