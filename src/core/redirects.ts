/**
 * The redirect policy of the transport: which redirects are followed, and how many. Creates are
 * never followed (a 307 would send the job again), nor is anything sent to another origin.
 * @internal
 * @module
 */
import type { FailedRequest } from "./http-errors.js";

/** Redirects followed for one call, at most. */
export const MAX_REDIRECTS = 5;

/** Statuses that carry a `Location` to follow. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Where a redirect may be followed: only a GET, only to the endpoint's origin (so that neither
 * the token nor a secret can reach another host), over http(s). Anything else is refused with
 * the reason, and the request (a create above all) is never sent again.
 */
export function redirectTarget(
  response: Response,
  failed: FailedRequest,
  method: string,
  origin: string,
): string | { refused: string } {
  const location = response.headers.get("location");
  let target: URL | undefined;
  try {
    target = location ? new URL(location, failed.url) : undefined;
  } catch {
    target = undefined;
  }
  if (!target || (target.protocol !== "http:" && target.protocol !== "https:")) {
    return { refused: "redirect without a valid http(s) Location" };
  }
  if (method !== "GET") {
    return { refused: `redirect of a ${method} request to ${target.origin}${target.pathname} not followed (it could repeat the request)` };
  }
  if (target.origin !== origin) {
    return { refused: `redirect to another origin (${target.origin}) not followed: the token stays with ${origin}` };
  }
  return target.toString();
}
