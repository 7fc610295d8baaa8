/**
 * Per-request context and the helpers routes use to read bodies and answer.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "./errors.js";
import type { AppliedFaults } from "./faults.js";

/** Everything a route handler needs about the request it serves. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Absolute origin the client used, for Link headers (e.g. `http://127.0.0.1:4321`). */
  origin: string;
  faults: AppliedFaults;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Reads and parses a JSON body; an empty body reads as `undefined`. */
export async function readJson(ctx: RequestContext): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "Request body too large");
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "Invalid JSON in request body");
  }
}

/** Answers JSON, or, under a `dropAfterHandling` fault, destroys the socket without answering. */
export function sendJson(ctx: RequestContext, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (ctx.faults.drop) {
    ctx.res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  ctx.res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  ctx.res.end(text);
}
