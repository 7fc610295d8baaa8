// One log reader, in its own process: reads the whole log of a finished job once and reports the
// time, the lines and their characters (so that all readers are checked to read the same text).
import { streamJobLogs } from "@huggingface/hub";
import { JobsClient } from "@org/hf-jobs";
import { createParser } from "eventsource-parser";
import { workerParams, workerResult } from "./lib.mjs";

const { reader, url, token, namespace, jobId } = workerParams();

// Each reader does what a caller needs: the text and a Date of every line.
async function sdk() {
  const client = new JobsClient({ endpoint: url, token, namespace });
  let lines = 0;
  let chars = 0;
  let dated = 0;
  for await (const line of client.logs(jobId, { follow: true })) {
    lines++;
    chars += line.text.length;
    if (line.timestamp) dated++;
  }
  return { lines, chars, dated };
}

// What one writes without an SDK: fetch, decode, parse the events, JSON.parse each, new Date.
async function bare() {
  const response = await fetch(`${url}/api/jobs/${namespace}/${jobId}/logs`, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
  });
  if (!response.ok || !response.body) throw new Error(`GET logs: ${response.status}`);
  let lines = 0;
  let chars = 0;
  let dated = 0;
  let bytes = 0;
  let firstChars = 0;
  const parser = createParser({
    onEvent(event) {
      const value = JSON.parse(event.data);
      const timestamp = new Date(value.timestamp);
      if (lines === 0) firstChars = value.data.length;
      lines++;
      chars += value.data.length;
      if (!Number.isNaN(timestamp.getTime())) dated++;
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    bytes += chunk.length;
    parser.feed(decoder.decode(chunk, { stream: true }));
  }
  return { lines, chars, dated, bytes, firstChars };
}

async function hub() {
  let lines = 0;
  let chars = 0;
  let dated = 0;
  let firstChars = 0;
  for await (const line of streamJobLogs({ namespace, jobId, hubUrl: url, accessToken: token })) {
    if (lines === 0) firstChars = line.message.length;
    lines++;
    chars += line.message.length;
    if (!Number.isNaN(line.timestamp.getTime())) dated++;
  }
  return { lines, chars, dated, firstChars };
}

const readers = { sdk, bare, hub };
const started = performance.now();
const result = await readers[reader]();
const ms = performance.now() - started;
// Peak RSS of the whole process (kernel-tracked), to compare what each reader holds.
workerResult({ reader, ms, peakRss: process.resourceUsage().maxRSS * 1024, ...result });
