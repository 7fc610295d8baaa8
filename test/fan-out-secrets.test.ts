// A sweep's result holds the specs it sent, secrets included: every printed form must mask them,
// while the creates still carry the real values.
import { inspect } from "node:util";
import nock from "nock";
import { afterEach, beforeAll, expect, it } from "vitest";
import { fanOut } from "../src/index.js";
import { FakeService } from "./fixtures/fan-out/fake-service.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const SECRET = "pem-line-1\nsk_live_\"quoted\"\\value-42";

it("console.log, JSON and String of a sweep's result never show a secret value; the create sent it", async () => {
  const fake = new FakeService();
  const result = await fanOut(fake.client(), {
    params: [0],
    job: () => ({ image: "python:3.12", command: ["python", "x.py"], secrets: { API_KEY: SECRET } }),
    pollIntervalMs: 5,
  });
  expect(result.summary.completed).toBe(1);
  expect(fake.jobs[0]?.body.secrets).toEqual({ API_KEY: SECRET });
  const printed = [
    inspect(result, { depth: Number.POSITIVE_INFINITY }),
    JSON.stringify(result),
    String(result),
    inspect(result.plan.items[0], { depth: Number.POSITIVE_INFINITY }),
  ];
  for (const text of printed) {
    expect(text).not.toContain("sk_live_");
    expect(text).not.toContain("value-42");
  }
  expect(inspect(result, { depth: Number.POSITIVE_INFINITY })).toContain("API_KEY");
  // The plan's spec still reads the real value (it is what the sweep sends).
  expect(result.plan.items[0]?.spec.secrets?.API_KEY).toBe(SECRET);
});
