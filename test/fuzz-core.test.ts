// Property-based tests of the core: whatever the input or the server's answer, the SDK either
// succeeds or throws one of its own typed errors, and never shows the token.
import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HfJobsError, JobsClient, ValidationError, parseTimeout } from "../src/index.js";
import { buildRunBody } from "../src/jobs/spec.js";
import type { RunSpec } from "../src/types.js";

const TOKEN = "hf_FuzzSecretToken0123456789abcdef";
const SECRET = "s3cr3t-value-that-must-not-leak";

function leaks(error: unknown, secretKnown = true): boolean {
  const text = [
    String(error),
    error instanceof Error ? (error.stack ?? "") : "",
    JSON.stringify(error) ?? "",
    inspect(error, { depth: 5 }),
  ].join("\n");
  return text.includes(TOKEN) || (secretKnown && text.includes(SECRET));
}

const anyValue = fc.anything({ withBigInt: false, withMap: false, withSet: false, withTypedArray: false });
const maybeString = fc.oneof(fc.string(), fc.constant(undefined), anyValue);

const specArb = fc.record(
  {
    image: fc.oneof(
      fc.constantFrom("python:3.12", "hf.co/spaces/a/b", "https://huggingface.co/spaces/x/y", "", "hf.co/spaces/bad"),
      fc.string(),
    ),
    command: fc.oneof(fc.array(fc.string()), anyValue),
    args: fc.oneof(fc.array(fc.string()), anyValue),
    flavor: maybeString,
    env: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.constant(TOKEN))), anyValue),
    secrets: fc.oneof(fc.dictionary(fc.stringMatching(/^[A-Z_]{1,8}$/), fc.constant(SECRET)), anyValue),
    timeout: fc.oneof(fc.string(), fc.double(), fc.integer(), anyValue),
    name: maybeString,
    labels: fc.oneof(fc.dictionary(fc.string(), fc.string()), anyValue),
    volumes: fc.oneof(
      fc.array(fc.record({ type: fc.string(), source: fc.string(), mountPath: fc.string() })),
      anyValue,
    ),
    expose: fc.oneof(fc.array(fc.integer()), anyValue),
    ssh: fc.oneof(fc.boolean(), anyValue),
    arch: maybeString,
    attempts: fc.oneof(fc.integer(), anyValue),
  },
  { requiredKeys: ["image"] },
);

describe("fuzz: input validation", () => {
  it("buildRunBody returns a spec or throws a ValidationError, never another error, never a secret", () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        try {
          const body = buildRunBody(spec as unknown as RunSpec);
          expect(body.arguments).toBeInstanceOf(Array);
          expect(body.environment).toBeTypeOf("object");
          expect(typeof body.flavor).toBe("string");
          expect(("dockerImage" in body) !== ("spaceId" in body)).toBe(true);
          expect(JSON.stringify(body.environment)).not.toContain(TOKEN);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect(leaks(error)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("parseTimeout returns whole positive seconds, undefined, or a ValidationError", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyValue,
          fc.double(),
          fc.tuple(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom("", "s", "m", "h", "d", "x", " h")).map(
            ([n, unit]) => `${n}${unit}`,
          ),
        ),
        (value) => {
          try {
            const seconds = parseTimeout(value);
            if (seconds !== undefined) {
              expect(Number.isInteger(seconds)).toBe(true);
              expect(seconds).toBeGreaterThan(0);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// Server answers built from random JSON, random bytes, truncated bodies and random statuses.
const bodyArb = fc.oneof(
  fc.json(),
  fc.string(),
  fc.constant('{"id":"abc","createdAt":"2026-01-01T00:00:00Z","status":{"stage":"RUNNING"}}'),
  fc
    .tuple(
      fc.constant(`{"id":"abc","createdAt":"x","status":{"stage":"NEW_STAGE","message":"${TOKEN}"},"environment":{}}`),
      fc.nat(120),
    )
    .map(([text, cut]) => text.slice(0, cut)),
  fc.constant(`{"error":"bad token ${TOKEN}","error_description":"${SECRET}"}`),
  fc.constant(`{"errors":[{"message":"${TOKEN}"}]}`),
);
const statusArb = fc.constantFrom(200, 200, 200, 400, 401, 403, 404, 409, 422, 429, 500, 503);

describe("fuzz: server payloads", () => {
  it("inspect/run/list/hardware either succeed or throw an HfJobsError without the token", async () => {
    await fc.assert(
      fc.asyncProperty(statusArb, bodyArb, fc.boolean(), async (status, body, echoHeader) => {
        const fetchStub: typeof fetch = async () =>
          new Response(body, {
            status,
            headers: echoHeader ? { "x-error-message": `denied for ${TOKEN}` } : {},
          });
        const client = new JobsClient({
          endpoint: "http://127.0.0.1:9",
          token: TOKEN,
          namespace: "ns",
          fetch: fetchStub,
          maxRetries: 0,
        });
        // Only `run` knows the secret value; every call knows the token.
        const calls: Array<[() => Promise<unknown>, boolean]> = [
          [() => client.inspect("abc"), false],
          [() => client.run({ image: "python:3.12", secrets: { KEY: SECRET } }), true],
          [() => client.list().toArray(), false],
          [() => client.hardware(), false],
          [() => client.cancel("ns/abc"), false],
        ];
        for (const [call, secretKnown] of calls) {
          try {
            await call();
          } catch (error) {
            expect(error).toBeInstanceOf(HfJobsError);
            expect(leaks(error, secretKnown)).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
