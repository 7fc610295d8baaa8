/**
 * `list`: repeated `stage=`/`label=` params, lazy pagination that follows `Link: rel="next"`
 * verbatim, and the PagedList helper itself.
 */
import nock from "nock";
import { describe, expect, it } from "vitest";
import { BadRequestError, HfJobsError, PaginationError, ResponseValidationError } from "../src/core/errors.js";
import { MAX_EMPTY_PAGES, PagedList, nextLink } from "../src/core/pagination.js";
import { ENDPOINT, NS, Recorder, TOKEN, guardNetwork, jobWire, makeClient, rejection } from "./fixtures/core/helpers.js";

guardNetwork();

const LIST_PATH = `/api/jobs/${NS}`;
const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => (from + i).toString(16).padStart(24, "0"));
const jobsPage = (pageIds: string[]) => pageIds.map((id) => jobWire({ id }));

describe("nextLink", () => {
  it.each([
    ['<https://hub.test/api/jobs/a?cursor=2>; rel="next"', "https://hub.test/api/jobs/a?cursor=2"],
    ["<https://hub.test/p2>; rel=next", "https://hub.test/p2"],
    ['<https://hub.test/p1>; rel="prev", <https://hub.test/p3>; rel="next"', "https://hub.test/p3"],
    ['<https://hub.test/p3>; rel="next", <https://hub.test/p9>; rel="last"', "https://hub.test/p3"],
    ['<https://hub.test/p2>; REL="NEXT"', "https://hub.test/p2"],
    ['<https://hub.test/p2>; rel="next last"', "https://hub.test/p2"],
    ['<https://hub.test/p2?a=1,2&b=x%2Cy>; rel="next"; title="more"', "https://hub.test/p2?a=1,2&b=x%2Cy"],
    ['</api/jobs/a?cursor=2>; rel="next"', "/api/jobs/a?cursor=2"],
  ])("%s -> %s", (header, url) => {
    expect(nextLink(header)).toBe(url);
  });

  it.each([null, "", '<https://hub.test/p1>; rel="prev"', '<https://hub.test/p2>; rel="nextpage"', "garbage"])(
    "%j has no next link",
    (header) => {
      expect(nextLink(header)).toBeUndefined();
    },
  );
});

describe("PagedList", () => {
  function pages(count: number, perPage = 2) {
    const requested: Array<string | undefined> = [];
    const list = new PagedList<number>(async (url) => {
      requested.push(url);
      const index = url === undefined ? 0 : Number(url.slice(1));
      const items = Array.from({ length: perPage }, (_, i) => index * perPage + i);
      return { items, next: index + 1 < count ? `p${index + 1}` : undefined };
    });
    return { list, requested };
  }

  it("is lazy: nothing is fetched until it is consumed", () => {
    const { requested } = pages(3);
    expect(requested).toEqual([]);
  });

  it("iterates every item of every page, in order", async () => {
    const { list, requested } = pages(3);
    const seen: number[] = [];
    for await (const n of list) seen.push(n);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(requested).toEqual([undefined, "p1", "p2"]);
  });

  it("toArray({limit}) fetches only the pages it needs", async () => {
    const { list, requested } = pages(3);
    expect(await list.toArray({ limit: 3 })).toEqual([0, 1, 2]);
    expect(requested).toEqual([undefined, "p1"]);
    expect(await pages(3).list.toArray({ limit: 0 })).toEqual([]);
  });

  it("stops fetching when the loop breaks", async () => {
    const { list, requested } = pages(5);
    for await (const n of list) if (n === 1) break;
    expect(requested).toEqual([undefined]);
  });

  it("awaiting gives the first page, which can walk to the next ones", async () => {
    const { list } = pages(2);
    const first = await list;
    expect(first.items).toEqual([0, 1]);
    expect(first.hasNextPage).toBe(true);
    const second = await first.nextPage();
    expect(second.items).toEqual([2, 3]);
    expect(second.hasNextPage).toBe(false);
    await expect(second.nextPage()).rejects.toThrow(/no next page/);
  });

  it("ends with a PaginationError when a page links back to a page already read", async () => {
    const requested: Array<string | undefined> = [];
    const list = new PagedList<number>(async (url) => {
      requested.push(url);
      return { items: [requested.length], next: "loop" };
    });
    const seen: number[] = [];
    const error = await rejection((async () => {
      for await (const n of list) seen.push(n);
    })());
    expect(error).toBeInstanceOf(PaginationError);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(seen).toEqual([1, 2]);
    expect(requested).toEqual([undefined, "loop"]);
  });

  it("ends with a PaginationError after a long run of empty pages with fresh cursors", async () => {
    let requests = 0;
    const list = new PagedList<number>(async () => ({ items: [], next: `cursor-${++requests}` }));
    const error = await rejection(list.toArray());
    expect(error).toBeInstanceOf(PaginationError);
    expect(error.message).toMatch(/empty pages/);
    expect(requests).toBe(MAX_EMPTY_PAGES);
  });

  it("keeps following empty pages while some pages still bring items", async () => {
    let requests = 0;
    const list = new PagedList<number>(async () => {
      requests++;
      if (requests > 40) return { items: [requests] };
      return { items: requests % 5 === 0 ? [requests] : [], next: `c${requests}` };
    });
    expect(await list.toArray()).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 41]);
  });

  it.each(["file:///etc/passwd", "http://[::1", "javascript:alert(1)", "https://exa mple.test:99999/p"])(
    "a malformed or non-http next link (%s) is a PaginationError, not a TypeError",
    async (next) => {
      const list = new PagedList<number>(async (url) => (url === undefined ? { items: [1], next } : { items: [2] }));
      const error = await rejection(list.toArray());
      expect(error).toBeInstanceOf(PaginationError);
      expect(error.message).not.toContain(next);
      const first = await list.firstPage();
      expect(first.hasNextPage).toBe(true);
      expect(await rejection(first.nextPage())).toBeInstanceOf(PaginationError);
    },
  );
});

describe("JobsClient.list", () => {
  it("sends one upper-cased stage= per stage and one label=k=v per label", async () => {
    const rec = new Recorder();
    nock(ENDPOINT).get(LIST_PATH).query(true).reply(rec.reply(200, []));
    await makeClient()
      .list({ stage: ["running", "SCHEDULING"], labels: { team: "ml", env: "prod" } })
      .toArray();
    const call = rec.only();
    expect(call.method).toBe("GET");
    expect(call.path).toBe(`${LIST_PATH}?stage=RUNNING&stage=SCHEDULING&label=team%3Dml&label=env%3Dprod`);
    const params = new URL(call.path, ENDPOINT).searchParams;
    expect(params.getAll("stage")).toEqual(["RUNNING", "SCHEDULING"]);
    expect(params.getAll("label")).toEqual(["team=ml", "env=prod"]);
    expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call.headers.accept).toBe("application/json");
  });

  it("takes a single stage and no filters", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(LIST_PATH)
      .query(true)
      .reply(rec.reply(200, []))
      .get(LIST_PATH)
      .reply(rec.reply(200, []));
    await makeClient().list({ stage: "completed" }).toArray();
    await makeClient().list().toArray();
    expect(rec.calls.map((c) => c.path)).toEqual([`${LIST_PATH}?stage=COMPLETED`, LIST_PATH]);
  });

  it("follows Link rel=next verbatim over three pages", async () => {
    const rec = new Recorder();
    const page2 = `${ENDPOINT}${LIST_PATH}?stage=RUNNING&cursor=eyJpZCI6IjIifQ%3D%3D&limit=2`;
    const page3 = `${ENDPOINT}/api/jobs/${NS}?cursor=opaque%2Fthree&stage=RUNNING`;
    nock(ENDPOINT)
      .get(LIST_PATH)
      .query(true)
      .reply(rec.reply(200, jobsPage(ids(2, 0)), { Link: `<${page2}>; rel="next"` }))
      .get(LIST_PATH)
      .query(true)
      .reply(rec.reply(200, jobsPage(ids(2, 2)), { Link: `<${page3}>; rel="next", <${ENDPOINT}${LIST_PATH}>; rel="first"` }))
      .get(LIST_PATH)
      .query(true)
      .reply(rec.reply(200, jobsPage(ids(1, 4))));
    const jobs = await makeClient().list({ stage: "RUNNING" }).toArray();
    expect(jobs.map((j) => j.id)).toEqual(ids(5));
    expect(rec.calls.map((c) => c.path)).toEqual([
      `${LIST_PATH}?stage=RUNNING`,
      page2.slice(ENDPOINT.length),
      page3.slice(ENDPOINT.length),
    ]);
    for (const call of rec.calls) expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("fetches pages only as they are consumed", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(LIST_PATH)
      .reply(rec.reply(200, jobsPage(ids(2)), { Link: `<${ENDPOINT}${LIST_PATH}?page=2>; rel="next"` }));
    const list = makeClient().list();
    expect(rec.calls).toHaveLength(0);
    const first = await list.toArray({ limit: 2 });
    expect(first).toHaveLength(2);
    expect(rec.calls).toHaveLength(1);
  });

  it("resolves the namespace from whoami once for all pages", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get("/api/whoami-v2")
      .reply(rec.reply(200, { name: "bob" }))
      .get("/api/jobs/bob")
      .reply(rec.reply(200, jobsPage(ids(1)), { Link: `<${ENDPOINT}/api/jobs/bob?p=2>; rel="next"` }))
      .get("/api/jobs/bob")
      .query({ p: "2" })
      .reply(rec.reply(200, jobsPage(ids(1, 1))));
    const jobs = await makeClient({ namespace: undefined }).list().toArray();
    expect(jobs.map((j) => j.namespace)).toEqual([NS, NS]);
    expect(rec.calls.map((c) => c.path)).toEqual(["/api/whoami-v2", "/api/jobs/bob", "/api/jobs/bob?p=2"]);
  });

  it("does not send the token to another host named by a Link header", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(LIST_PATH)
      .reply(rec.reply(200, jobsPage(ids(1)), { Link: '<https://elsewhere.test/api/jobs/alice?p=2>; rel="next"' }));
    nock("https://elsewhere.test")
      .get(LIST_PATH)
      .query({ p: "2" })
      .reply(rec.reply(200, []));
    await makeClient().list().toArray();
    expect(rec.calls[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(rec.calls[1]?.headers.authorization).toBeUndefined();
  });

  it("retries a page that failed with 503", async () => {
    const rec = new Recorder();
    nock(ENDPOINT)
      .get(LIST_PATH)
      .reply(rec.reply(200, jobsPage(ids(1)), { Link: `<${ENDPOINT}${LIST_PATH}?p=2>; rel="next"` }))
      .get(LIST_PATH)
      .query({ p: "2" })
      .reply(rec.reply(503, ""))
      .get(LIST_PATH)
      .query({ p: "2" })
      .reply(rec.reply(200, jobsPage(ids(1, 1))));
    expect(await makeClient().list().toArray()).toHaveLength(2);
    expect(rec.calls).toHaveLength(3);
  });

  it("maps a 400 (unknown stage) to BadRequestError", async () => {
    nock(ENDPOINT).get(LIST_PATH).query({ stage: "UPDATING" }).reply(400, { error: "Invalid stage" });
    const error = await rejection(makeClient().list({ stage: "UPDATING" }).toArray());
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain("Invalid stage");
  });

  it("rejects a body that is not a job array with ResponseValidationError", async () => {
    nock(ENDPOINT).get(LIST_PATH).reply(200, { jobs: [] });
    expect(await rejection(makeClient().list().toArray())).toBeInstanceOf(ResponseValidationError);
    nock(ENDPOINT).get(LIST_PATH).reply(200, "<html>", { "content-type": "text/html" });
    expect(await rejection(makeClient().list().toArray())).toBeInstanceOf(ResponseValidationError);
  });
});

describe("nextPage() without a next page", () => {
  it("rejects with an HfJobsError", async () => {
    const page = await new PagedList<number>(async () => ({ items: [1] }));
    expect(page.hasNextPage).toBe(false);
    await expect(page.nextPage()).rejects.toBeInstanceOf(HfJobsError);
  });
});
