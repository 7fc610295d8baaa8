// Times `client.inspect(id)` and a bare `fetch` + `res.json()` of the same URL, call by call.
import { JobsClient } from "@org/hf-jobs";
import { median, percentile, workerParams, workerResult } from "./lib.mjs";

const { url, token, namespace, jobId, warmup, blocks, perBlock } = workerParams();
const client = new JobsClient({ endpoint: url, token, namespace });
const jobUrl = `${url}/api/jobs/${namespace}/${jobId}`;
const headers = { authorization: `Bearer ${token}`, accept: "application/json" };

const calls = {
  sdk: async () => (await client.inspect(jobId)).id,
  bare: async () => {
    const response = await fetch(jobUrl, { headers });
    if (!response.ok) throw new Error(`GET job: ${response.status}`);
    return (await response.json()).id;
  },
};

for (let i = 0; i < warmup; i++) {
  await calls.sdk();
  await calls.bare();
}
const times = { sdk: [], bare: [] };
for (let b = 0; b < blocks; b++) {
  // Alternate which one goes first, so that neither always runs on a freshly used connection.
  const order = b % 2 === 0 ? ["sdk", "bare"] : ["bare", "sdk"];
  for (const name of order) {
    for (let i = 0; i < perBlock; i++) {
      const t0 = performance.now();
      const id = await calls[name]();
      times[name].push((performance.now() - t0) * 1000);
      if (id !== jobId) throw new Error(`${name} returned job ${id}`);
    }
  }
}
const stats = (values) => ({ medianUs: median(values), p90Us: percentile(values, 90), calls: values.length });
workerResult({ sdk: stats(times.sdk), bare: stats(times.bare) });
