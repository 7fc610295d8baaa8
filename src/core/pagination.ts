/**
 * Lists that follow `Link: <url>; rel="next"` lazily, one page at a time, and can be awaited
 * (first page), iterated (every item) or collected.
 * @module
 */
import { HfJobsError } from "./errors.js";

/** One page of a list. */
export interface Page<T> {
  /** Items of this page. */
  items: T[];
  /** Whether another page follows. */
  hasNextPage: boolean;
  /** Fetches the next page; rejects when there is none. */
  nextPage(): Promise<Page<T>>;
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
    const seen = new Set<string>();
    do {
      const page = await this.#fetch(url);
      yield page.items;
      url = page.next;
      // A server that links a page to itself would otherwise loop forever.
      if (url !== undefined) {
        if (seen.has(url)) return;
        seen.add(url);
      }
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
    return this.#page(undefined);
  }

  // biome-ignore lint/suspicious/noThenProperty: awaiting a list gives its first page, by design.
  then<A = Page<T>, B = never>(
    onfulfilled?: ((value: Page<T>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.firstPage().then(onfulfilled, onrejected);
  }

  async #page(url: string | undefined): Promise<Page<T>> {
    const { items, next } = await this.#fetch(url);
    return {
      items,
      hasNextPage: next !== undefined,
      nextPage: () => (next === undefined ? Promise.reject(new HfJobsError("no next page")) : this.#page(next)),
    };
  }
}
