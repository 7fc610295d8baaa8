/**
 * No error message, cause, stack, JSON form or inspection shows the token or a secret value of
 * the spec, even when the server echoes them back.
 */
import { inspect } from "node:util";
import nock from "nock";
import { describe, expect, it } from "vitest";
import type { JobsClient } from "../src/client.js";
import {
  AmbiguousCreateError,
  ApiError,
  AuthenticationError,
  ConnectionError,
  ResponseValidationError,
  ValidationError,
} from "../src/core/errors.js";
import { redact } from "../src/core/redact.js";
import { ENDPOINT, JOB_ID, JOB_PATH, NS, Recorder, TOKEN, guardNetwork, jobWire, makeClient, rejection } from "./fixtures/core/helpers.js";

guardNetwork();

/** A token without the hf_ shape: only the "known secret" masking can hide it. */
const PLAIN_TOKEN = "my-enterprise-token-0000-1111";
const SECRET = "s3cr3t-Value-of-the-spec";
const SECRET_TOKEN = "hf_SecretTokenInTheSpecAbCdEfGhIjKlMn";
const RUN_PATH = `/api/jobs/${NS}`;

/** Every textual form of an error a user might log. */
function renderings(error: unknown): string[] {
  const e = error as Error & { cause?: unknown };
  return [
    String(error),
    e.message,
    e.stack ?? "",
    JSON.stringify(error) ?? "",
    JSON.stringify(e.cause) ?? "",
    String(e.cause ?? ""),
    inspect(error),
    inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
  ];
}

function expectClean(error: unknown, values: string[]): void {
  for (const text of renderings(error)) {
    for (const value of values) expect(text).not.toContain(value);
  }
}

/** Echoes every value back in the body and the headers of an error response. */
function echo(values: string[], status: number) {
  const all = values.join(" | ");
  return [
    status,
    { error: `rejected ${all}`, error_description: all, errors: [{ message: all }], message: all },
    { "X-Error-Code": `Code-${all}`, "x-request-id": `req-${all}` },
  ] as const;
}

const spec = {
  image: "python:3.12",
  name: "leak-check",
  secrets: { API_KEY: SECRET, HF_TOKEN: SECRET_TOKEN },
};

describe("redact", () => {
  it("masks known values, longest first, and anything shaped like a token", () => {
    expect(redact(`a ${SECRET} b`, [SECRET])).toBe("a *** b");
    expect(redact("abcdefgh abcd", ["abcd", "abcdefgh"])).toBe("*** ***");
    expect(redact(`x ${TOKEN} y`)).toBe("x hf_*** y");
    expect(redact("hf_short stays")).toBe("hf_short stays");
    expect(redact("oauth hf_oauth_AbCdEfGhIjKlMnOp0123 end")).toBe("oauth hf_*** end");
    expect(redact("hf_transfer and hf_hub_download_with_retries stay")).toBe("hf_transfer and hf_hub_download_with_retries stay");
    expect(redact("ab", ["ab"])).toBe("ab");
  });
});

describe("errors never show the token or the spec's secrets", () => {
  for (const token of [TOKEN, PLAIN_TOKEN]) {
    const values = [token, SECRET, SECRET_TOKEN];

    it(`an error status whose body and headers echo them (token ${token.slice(0, 3)}...)`, async () => {
      const [status, body, headers] = echo(values, 400);
      nock(ENDPOINT).post(RUN_PATH).reply(status, body, headers);
      const error = await rejection(makeClient({ token }).run(spec));
      expect(error).toBeInstanceOf(ApiError);
      expect(error.message).toContain("rejected");
      expectClean(error, values);
      expect((error as ApiError).code).toBeDefined();
      expect((error as ApiError).requestId).toBeDefined();
    });

    it(`X-Error-Message echoing them (token ${token.slice(0, 3)}...)`, async () => {
      nock(ENDPOINT)
        .post(RUN_PATH)
        .reply(401, "", { "X-Error-Message": `Invalid token ${token} (secret ${SECRET})` });
      const error = await rejection(makeClient({ token }).run(spec));
      expect(error).toBeInstanceOf(AuthenticationError);
      expectClean(error, values);
    });

    it(`a plain-text body echoing them (token ${token.slice(0, 3)}...)`, async () => {
      nock(ENDPOINT).get(JOB_PATH).reply(500, `Authorization: Bearer ${token}`, { "content-type": "text/plain" });
      const error = await rejection(makeClient({ token, maxRetries: 0 }).inspect(JOB_ID));
      expectClean(error, [token]);
    });

    it(`a network error whose message carries them (token ${token.slice(0, 3)}...)`, async () => {
      const fetch: typeof globalThis.fetch = async () => {
        throw new TypeError(`fetch failed for Bearer ${token}`, {
          cause: Object.assign(new Error(`socket closed while sending ${SECRET}`), { code: "ECONNRESET" }),
        });
      };
      const error = await rejection(makeClient({ token, fetch }).run(spec));
      expect(error).toBeInstanceOf(AmbiguousCreateError);
      expectClean(error, values);
      const get = await rejection(makeClient({ token, fetch, maxRetries: 0 }).inspect(JOB_ID));
      expect(get).toBeInstanceOf(ConnectionError);
      expectClean(get, [token]);
    });

    it(`a Link URL carrying the token, then an error (token ${token.slice(0, 3)}...)`, async () => {
      const next = `${ENDPOINT}${RUN_PATH}?cursor=2&access_token=${token}`;
      nock(ENDPOINT)
        .get(RUN_PATH)
        .reply(200, [jobWire()], { Link: `<${next}>; rel="next"` })
        .get(RUN_PATH)
        .query(true)
        .reply(404, { error: "gone" });
      const error = await rejection(makeClient({ token }).list().toArray());
      expect(error).toBeInstanceOf(ApiError);
      expectClean(error, [token]);
    });
  }

  it("a malformed success body that contains the token", async () => {
    nock(ENDPOINT).get(JOB_PATH).reply(200, { id: 5, token: TOKEN, status: TOKEN });
    const error = await rejection(makeClient().inspect(JOB_ID));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expectClean(error, [TOKEN]);
  });

  it("the validation error of an hf_ token put in env", async () => {
    const error = await rejection(makeClient().run({ image: "python:3.12", env: { HF_TOKEN: TOKEN } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("env.HF_TOKEN");
    expect(error.message).toMatch(/secrets/);
    expectClean(error, [TOKEN]);
  });

  it("validation errors about secrets never echo the value", async () => {
    const error = await rejection(
      makeClient().run({ image: "python:3.12", secrets: { "bad-name": SECRET } as Record<string, string> }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expectClean(error, [SECRET]);
  });
});

describe("the client never shows its token", () => {
  function renderClient(client: JobsClient): string[] {
    return [
      inspect(client),
      inspect(client, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      inspect(Object.getOwnPropertyNames(client).map((k) => (client as unknown as Record<string, unknown>)[k]), { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(client) ?? "",
      String(client),
      `${Object.entries(client)}`,
    ];
  }

  it.each([TOKEN, PLAIN_TOKEN])("util.inspect, JSON.stringify and String of a client holding %s", async (token) => {
    const client = makeClient({ token });
    for (const text of renderClient(client)) expect(text).not.toContain(token);
    expect(inspect(client)).toContain(ENDPOINT);
    // Once the token has been resolved and used, too.
    nock(ENDPOINT).get(JOB_PATH).reply(200, jobWire());
    await client.inspect(JOB_ID);
    for (const text of renderClient(client)) expect(text).not.toContain(token);
  });

  it("debug lines name the method and URL, never the token", async () => {
    const lines: string[] = [];
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(JOB_PATH)
      .reply(rec.reply(503, ""))
      .get(JOB_PATH)
      .reply(rec.reply(200, jobWire()));
    await makeClient({ token: PLAIN_TOKEN, debug: (line) => lines.push(line) }).inspect(JOB_ID);
    expect(lines).toEqual([`hf-jobs GET ${ENDPOINT}${JOB_PATH}`, `hf-jobs GET ${ENDPOINT}${JOB_PATH} (retry 1)`]);
    for (const line of lines) expect(line).not.toContain(PLAIN_TOKEN);
    expect(rec.calls[0]?.headers.authorization).toBe(`Bearer ${PLAIN_TOKEN}`);
  });
});
