/**
 * Lists that follow `Link: <url>; rel="next"` lazily, one page at a time, and can be awaited
 * (first page), iterated (every item) or collected.
 * @module
 */
import { HfJobsError, PaginationError } from "./errors.js";

/** Consecutive empty pages that still link a next one, after which a list gives up. */
export const MAX_EMPTY_PAGES = 10;

/** One page of a list. */
export interface Page<T> {
  /** Items of this page. */
  items: T[];
  /** Whether another page follows. */
  hasNextPage: boolean;
  /** Fetches the next page; rejects when there is none. */
  nextPage(): Promise<Page<T>>;
}

/**
 * Guards a walk through pages against a server that never ends it: a `next` link that is not an
 * http(s) URL, a link to a page already read, or a long run of empty pages are
 * `PaginationError`s. No message repeats a URL, which may carry a token.
 */
class PageWalk {
  readonly #seen = new Set<string>();
  #empty = 0;
  #pages = 0;

  /** Checks the page just read and its `next` link. */
  check(items: readonly unknown[], next: string | undefined): void {
    this.#pages++;
    if (next === undefined) return;
    let url: URL | undefined;
    try {
      url = new URL(next, "http://relative.invalid/");
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new PaginationError(`page ${this.#pages} links a next page whose URL is not a valid http(s) URL`);
    }
    if (this.#seen.has(next)) throw new PaginationError(`page ${this.#pages} links back to a page already read`);
    this.#seen.add(next);
    this.#empty = items.length === 0 ? this.#empty + 1 : 0;
    if (this.#empty >= MAX_EMPTY_PAGES) {
      throw new PaginationError(`${MAX_EMPTY_PAGES} empty pages in a row, each linking another: the list does not end`);
    }
  }
}

/** Fetches one page given its URL (undefined = the first page). */
export type PageFetcher<T> = (url: string | undefined) => Promise<{ items: T[]; next?: string }>;

/** Extracts the `rel="next"` URL of a `Link` header. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (match && /(?:^|;)\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(?:;|$)/i.test(match[2] ?? "")) return match[1];
  }
  return undefined;
}

/**
 * A lazy paginated list. `for await (const job of list)` walks every page as it is consumed;
 * `await list` gives the first page; `toArray()` collects.
 */
export class PagedList<T> implements AsyncIterable<T>, PromiseLike<Page<T>> {
  readonly #fetch: PageFetcher<T>;

  /** @internal */
  constructor(fetchPage: PageFetcher<T>) {
    this.#fetch = fetchPage;
  }

  /** Every page, in order, fetched as the loop asks for it. */
  async *pages(): AsyncGenerator<T[], void, undefined> {
    let url: string | undefined;
    const walk = new PageWalk();
    do {
      const page = await this.#fetch(url);
      // The items come first: a caller who stops here never follows the link.
      yield page.items;
      walk.check(page.items, page.next);
      url = page.next;
    } while (url !== undefined);
  }

  /** Every item of every page, fetching the next page when the previous one is used up. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for await (const items of this.pages()) yield* items;
  }

  /** Collects every item (or the first `limit`). */
  async toArray(options: { limit?: number } = {}): Promise<T[]> {
    const out: T[] = [];
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return out;
    for await (const item of this) {
      out.push(item);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The first page. */
  firstPage(): Promise<Page<T>> {
    return this.#page(undefined, new PageWalk());
  }

  // biome-ignore lint/suspicious/noThenProperty: awaiting a list gives its first page, by design.
  then<A = Page<T>, B = never>(
    onfulfilled?: ((value: Page<T>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.firstPage().then(onfulfilled, onrejected);
  }

  async #page(url: string | undefined, walk: PageWalk): Promise<Page<T>> {
    const { items, next } = await this.#fetch(url);
    const nextPage = async () => {
      if (next === undefined) throw new HfJobsError("no next page");
      walk.check(items, next);
      return this.#page(next, walk);
    };
    return { items, hasNextPage: next !== undefined, nextPage };
  }
}
