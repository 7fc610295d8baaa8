// Hostile server: what the client does when a server sends too much (peak RSS of the client's
// process) or too little (time until the call fails or ends). The server answers from this
// process and makes every byte on demand, with back-pressure, so a 200 MB answer is never held in
// memory here; each client runs in a fresh worker with a per-scenario deadline, so a client that
// never gives up is reported as such instead of hanging the bench.
import { createServer } from "node:http";
import { MB, fmtBytes, fmtMs, progress, runWorker, settings } from "./lib.mjs";

const NAMESPACE = "hostile";
const TOKEN = "hf_hostilebenchtoken000000000000000";
const TRICKLE_MS = 2000;
const CHUNK = Buffer.alloc(64 * 1024, "x");

/** A small valid job, for the routes that are not the one under test. */
function job(id) {
  return { id, createdAt: "2026-01-01T00:00:00.000Z", dockerImage: "python:3.12", command: ["true"], flavor: "cpu-basic", status: { stage: "RUNNING", message: null }, owner: { id: "1", name: NAMESPACE, type: "user" } };
}

/** Writes `head`, then `bytes` of filler made on demand, then `tail`; stops when the client leaves. */
function sendLazily(res, head, bytes, tail) {
  let left = bytes;
  let gone = false;
  res.on("close", () => {
    gone = true;
  });
  res.write(head);
  const pump = () => {
    while (!gone && left > 0) {
      const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) return res.once("drain", pump);
    }
    if (!gone) res.end(tail);
  };
  pump();
}

/** Sends `text` one byte every TRICKLE_MS (then holds the connection), until the client leaves. */
function trickle(res, text) {
  let i = 0;
  const timer = setInterval(() => {
    if (i < text.length) res.write(text[i++]);
  }, TRICKLE_MS);
  res.on("close", () => clearInterval(timer));
}

/** Headers, then silence until the client leaves. */
function stall(res, first = "") {
  if (first) res.write(first);
  else res.flushHeaders();
}

export const SCENARIOS = {
  bigJson: { label: "inspect: 200 MB JSON answer", kind: "memory", call: "inspect", bytes: 200 * MB },
  bigError: { label: "inspect: 200 MB error body (HTTP 400)", kind: "memory", call: "inspect", bytes: 200 * MB },
  sseNoNewline: { label: "logs (snapshot): 200 MB event line without a line break", kind: "memory", call: "snapshot", bytes: 200 * MB },
  stalledJson: { label: "inspect: stalled body, timeoutMs 2000, maxRetries 0", kind: "time", call: "inspect", timeoutMs: 2000, maxRetries: 0 },
  stalledJsonRetries: { label: "inspect: stalled body, timeoutMs 2000, default retries (2)", kind: "time", call: "inspect", timeoutMs: 2000 },
  trickleJson: { label: "inspect: body trickling 1 byte / 2 s, timeoutMs 2000, maxRetries 0", kind: "time", call: "inspect", timeoutMs: 2000, maxRetries: 0 },
  stalledSse: { label: "logs (snapshot): stalled stream, timeoutMs 2000", kind: "time", call: "snapshot", timeoutMs: 2000, maxRetries: 0 },
  trickleSse: { label: "logs (snapshot): stream trickling 1 byte / 2 s, no line break, timeoutMs 2000", kind: "time", call: "snapshot", timeoutMs: 2000, maxRetries: 0 },
  trickleSseFollow: { label: "logs (follow): stream trickling 1 byte / 2 s, no line break, timeoutMs 2000", kind: "time", call: "follow", timeoutMs: 2000, maxRetries: 0 },
};

function handle(req, res, sizes) {
  const path = new URL(req.url, "http://x").pathname;
  const match = path.match(/^\/api\/jobs\/[^/]+\/([^/]+)(\/logs)?$/);
  if (!match) {
    res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
    return;
  }
  const [, id, logs] = match;
  const json = { "content-type": "application/json" };
  const sse = { "content-type": "text/event-stream", "cache-control": "no-cache" };
  if (!logs) {
    if (id === "bigJson") {
      res.writeHead(200, json);
      sendLazily(res, `${JSON.stringify(job(id)).slice(0, -1)},"pad":"`, sizes.bigJson, '"}');
    } else if (id === "bigError") {
      res.writeHead(400, json);
      sendLazily(res, '{"error":"', sizes.bigError, '"}');
    } else if (id.startsWith("stalledJson")) {
      res.writeHead(200, json);
      stall(res, '{"id":');
    } else if (id === "trickleJson") {
      res.writeHead(200, json);
      trickle(res, JSON.stringify(job(id)));
    } else {
      res.writeHead(200, json).end(JSON.stringify(job(id)));
    }
    return;
  }
  res.writeHead(200, sse);
  // The line never ends: the stream closes after it, so a client that keeps it all ends reading.
  if (id === "sseNoNewline") sendLazily(res, "data: ", sizes.sseNoNewline, "");
  else if (id === "stalledSse") stall(res);
  else if (id.startsWith("trickleSse")) trickle(res, `data: ${"x".repeat(10_000)}`);
  else res.end();
}

export async function benchHostile() {
  const sizes = Object.fromEntries(Object.entries(SCENARIOS).filter(([, s]) => s.bytes).map(([k, s]) => [k, Math.round(s.bytes * settings.scale)]));
  const sockets = new Set();
  const server = createServer((req, res) => handle(req, res, sizes));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const results = {};
  try {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      // Generous for a client that caps what it reads; a client that does not is cut here.
      const deadlineMs = scenario.kind === "memory" ? 60_000 : 30_000;
      const params = { url, token: TOKEN, namespace: NAMESPACE, jobId: name, call: scenario.call, timeoutMs: scenario.timeoutMs ?? 60_000, maxRetries: scenario.maxRetries, deadlineMs };
      const result = await runWorker("worker-hostile.mjs", params, { timeoutMs: deadlineMs + 30_000 }).catch((error) => ({
        // The worker could not even report (killed past its deadline, or out of memory).
        outcome: `did not finish within ${Math.round((deadlineMs + 30_000) / 1000)} s: ${String(error.message).split("\n")[0]}`,
        timedOut: true,
        failed: false,
        ms: deadlineMs + 30_000,
        startRss: Number.NaN,
        peakRss: Number.NaN,
      }));
      results[name] = { ...scenario, ...(scenario.bytes ? { bytes: sizes[name] } : {}), deadlineMs, ...result };
      const what = scenario.kind === "memory" ? `peak RSS ${fmtBytes(result.peakRss)} (+${fmtBytes(result.peakRss - result.startRss)})` : `${fmtMs(result.ms)}`;
      progress(`hostile: ${scenario.label}: ${result.outcome}, ${what}`);
      // Connections the client left open (it may never have given up) are not the next one's.
      for (const socket of sockets) socket.destroy();
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
  return results;
}
