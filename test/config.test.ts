/**
 * Endpoint and token discovery, with a controlled environment and
 * temporary directories: nothing here reads the real home directory or process.env.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { JobsClient } from "../src/client.js";
import { DEFAULT_ENDPOINT, resolveEndpoint, resolveToken, tokenFilePath } from "../src/core/config.js";
import { ValidationError } from "../src/core/errors.js";
import { JOB_ID, Recorder, guardNetwork, jobWire, thrown } from "./fixtures/core/helpers.js";

guardNetwork();

const root = mkdtempSync(join(tmpdir(), "hf-jobs-config-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
});

let counter = 0;
/** A fresh directory with the given files (path relative to it -> content). */
function dirWith(files: Record<string, string>): string {
  const dir = join(root, `case-${counter++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe("resolveEndpoint", () => {
  it("takes the option first, then HF_ENDPOINT, then huggingface.co", () => {
    expect(resolveEndpoint("https://option.test", { HF_ENDPOINT: "https://env.test" })).toBe("https://option.test");
    expect(resolveEndpoint(undefined, { HF_ENDPOINT: "https://env.test" })).toBe("https://env.test");
    expect(resolveEndpoint(undefined, {})).toBe("https://huggingface.co");
    expect(DEFAULT_ENDPOINT).toBe("https://huggingface.co");
  });

  it("strips trailing slashes", () => {
    expect(resolveEndpoint("https://option.test/", {})).toBe("https://option.test");
    expect(resolveEndpoint(undefined, { HF_ENDPOINT: "https://env.test//" })).toBe("https://env.test");
    expect(resolveEndpoint("http://localhost:8080/prefix/", {})).toBe("http://localhost:8080/prefix");
  });

  it("treats a blank option or HF_ENDPOINT as unset", () => {
    expect(resolveEndpoint("", { HF_ENDPOINT: "https://env.test" })).toBe("https://env.test");
    expect(resolveEndpoint(undefined, { HF_ENDPOINT: "  " })).toBe("https://huggingface.co");
  });

  it("rejects an endpoint that is not an http(s) URL, naming where it came from", () => {
    const fromOption = thrown(() => resolveEndpoint("huggingface.co", {}));
    expect(fromOption).toBeInstanceOf(ValidationError);
    expect((fromOption as ValidationError).field).toBe("endpoint");
    const fromEnv = thrown(() => resolveEndpoint(undefined, { HF_ENDPOINT: "ftp://mirror.test" }));
    expect((fromEnv as ValidationError).field).toBe("HF_ENDPOINT");
  });

  it("the client uses HF_ENDPOINT when no endpoint is given, for requests and job URLs", async () => {
    vi.stubEnv("HF_ENDPOINT", "https://mirror.test/");
    const client = new JobsClient({ token: "hf_x", namespace: "alice" });
    expect(client.endpoint).toBe("https://mirror.test");
    const rec = new Recorder();
    nock("https://mirror.test").get(`/api/jobs/alice/${JOB_ID}`).reply(rec.reply(200, jobWire()));
    const job = await client.inspect(JOB_ID);
    expect(job.url).toBe(`https://mirror.test/jobs/alice/${JOB_ID}`);
    expect(rec.calls).toHaveLength(1);
  });

  it("the client's endpoint option wins over HF_ENDPOINT", () => {
    vi.stubEnv("HF_ENDPOINT", "https://mirror.test");
    expect(new JobsClient({ endpoint: "https://option.test/", token: "hf_x" }).endpoint).toBe("https://option.test");
  });
});

describe("tokenFilePath", () => {
  it("is HF_TOKEN_PATH, else $HF_HOME/token, else $XDG_CACHE_HOME/huggingface/token, else ~/.cache/huggingface/token", () => {
    expect(tokenFilePath({ HF_TOKEN_PATH: "/a/tok", HF_HOME: "/h", XDG_CACHE_HOME: "/x" })).toBe("/a/tok");
    expect(tokenFilePath({ HF_HOME: "/h", XDG_CACHE_HOME: "/x" })).toBe(join("/h", "token"));
    expect(tokenFilePath({ XDG_CACHE_HOME: "/x" })).toBe(join("/x", "huggingface", "token"));
    expect(tokenFilePath({})).toBe(join(homedir(), ".cache", "huggingface", "token"));
  });

  it("treats blank variables as unset and expands ~", () => {
    expect(tokenFilePath({ HF_TOKEN_PATH: "", HF_HOME: "", XDG_CACHE_HOME: "/x" })).toBe(join("/x", "huggingface", "token"));
    expect(tokenFilePath({ HF_HOME: "~/hf" })).toBe(join(homedir(), "hf", "token"));
    expect(tokenFilePath({ HF_TOKEN_PATH: "~/tok" })).toBe(join(homedir(), "tok"));
  });
});

describe("resolveToken", () => {
  /** Every source set at once, each with its own value. */
  function allSources(): NodeJS.ProcessEnv {
    const tokenPath = dirWith({ "explicit/token": "from-token-path\n" });
    const hfHome = dirWith({ token: "from-hf-home\n" });
    const xdg = dirWith({ "huggingface/token": "from-xdg\n" });
    return {
      HF_TOKEN: "from-hf-token",
      HUGGING_FACE_HUB_TOKEN: "from-legacy",
      HF_TOKEN_PATH: join(tokenPath, "explicit", "token"),
      HF_HOME: hfHome,
      XDG_CACHE_HOME: xdg,
    };
  }

  it("walks option > HF_TOKEN > HUGGING_FACE_HUB_TOKEN > HF_TOKEN_PATH > $HF_HOME/token > $XDG_CACHE_HOME/huggingface/token", async () => {
    const env = allSources();
    expect(await resolveToken("from-option", env)).toBe("from-option");
    expect(await resolveToken(undefined, env)).toBe("from-hf-token");
    env.HF_TOKEN = undefined;
    expect(await resolveToken(undefined, env)).toBe("from-legacy");
    env.HUGGING_FACE_HUB_TOKEN = undefined;
    expect(await resolveToken(undefined, env)).toBe("from-token-path");
    env.HF_TOKEN_PATH = undefined;
    expect(await resolveToken(undefined, env)).toBe("from-hf-home");
    env.HF_HOME = undefined;
    expect(await resolveToken(undefined, env)).toBe("from-xdg");
    env.XDG_CACHE_HOME = dirWith({});
    expect(await resolveToken(undefined, env)).toBeUndefined();
  });

  it("treats empty values as absent and trims what it reads", async () => {
    const xdg = dirWith({ "huggingface/token": "  hf_fromfile \n" });
    expect(await resolveToken("", { HF_TOKEN: " ", HUGGING_FACE_HUB_TOKEN: "", XDG_CACHE_HOME: xdg })).toBe("hf_fromfile");
    expect(await resolveToken(undefined, { HF_TOKEN: " hf_padded\n" })).toBe("hf_padded");
  });

  it("an empty token file means no token", async () => {
    const dir = dirWith({ token: "\n" });
    expect(await resolveToken(undefined, { HF_HOME: dir })).toBeUndefined();
  });

  it("a HF_TOKEN_PATH that does not exist means no token (no fallback to HF_HOME)", async () => {
    const hfHome = dirWith({ token: "from-hf-home" });
    expect(await resolveToken(undefined, { HF_TOKEN_PATH: join(hfHome, "nope"), HF_HOME: hfHome })).toBeUndefined();
  });

  it("the client reads the token file lazily, on the first call that needs it", async () => {
    const hfHome = dirWith({ token: "hf_FromTheTokenFile000000000000000000\n" });
    vi.stubEnv("HF_TOKEN", "");
    vi.stubEnv("HUGGING_FACE_HUB_TOKEN", "");
    vi.stubEnv("HF_TOKEN_PATH", "");
    vi.stubEnv("HF_HOME", hfHome);
    const client = new JobsClient({ endpoint: "https://hub.test", namespace: "alice" });
    const rec = new Recorder();
    nock("https://hub.test").get(`/api/jobs/alice/${JOB_ID}`).reply(rec.reply(200, jobWire()));
    await client.inspect(JOB_ID);
    expect(rec.only().headers.authorization).toBe("Bearer hf_FromTheTokenFile000000000000000000");
  });

  it("the client's token option wins over HF_TOKEN", async () => {
    vi.stubEnv("HF_TOKEN", "hf_FromEnv");
    const rec = new Recorder();
    nock("https://hub.test").get(`/api/jobs/alice/${JOB_ID}`).reply(rec.reply(200, jobWire()));
    await new JobsClient({ endpoint: "https://hub.test", namespace: "alice", token: "hf_FromOption" }).inspect(JOB_ID);
    expect(rec.only().headers.authorization).toBe("Bearer hf_FromOption");
  });

  it("the client falls back to HF_TOKEN", async () => {
    vi.stubEnv("HF_TOKEN", "hf_FromEnv");
    const rec = new Recorder();
    nock("https://hub.test").get(`/api/jobs/alice/${JOB_ID}`).reply(rec.reply(200, jobWire()));
    await new JobsClient({ endpoint: "https://hub.test", namespace: "alice" }).inspect(JOB_ID);
    expect(rec.only().headers.authorization).toBe("Bearer hf_FromEnv");
  });
});
