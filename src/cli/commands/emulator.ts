/**
 * `hf-jobs emulator`: a local emulator in the foreground, until Ctrl-C or SIGTERM.
 * @module
 */
import { startEmulator } from "../../emulator/index.js";
import type { EmulatorOptions } from "../../emulator/types.js";
import { int, str } from "../args.js";
import type { CommandSpec } from "../command.js";
import { EXIT, UsageError } from "../exit.js";

const ENGINES = ["auto", "docker", "podman", "none"] as const;

/** `hf-jobs emulator`: a local Jobs emulator in the foreground. */
export const emulatorCommand: CommandSpec = {
  kind: "command",
  name: "emulator",
  summary: "Start a local Jobs emulator (jobs run as local processes) until Ctrl-C",
  usage: "hf-jobs emulator [OPTIONS]",
  description: `Serves the Jobs API on 127.0.0.1 and prints its URL and token, and how to point hf-jobs or
the SDK at it (HF_ENDPOINT, HF_TOKEN). Jobs run in containers where docker or podman answers,
else as plain processes on this machine. Ctrl-C or SIGTERM stops every job and the server.
Here --token and --namespace set the emulator's own token and user name.`,
  optionsHelp: `Emulator options:
      --port N                Port (default: a free one)
      --host HOST             Interface (default 127.0.0.1; other hosts need --allow-remote)
      --allow-remote          Allow a non-loopback --host (anyone reaching it can run processes here)
      --engine ENGINE         auto (default), docker, podman or none (plain processes)
      --scheduling-delay MS   Time a job spends in SCHEDULING (default 100)`,
  examples: ["hf-jobs emulator --port 8787", "hf-jobs emulator --json   # one line: {url, token, namespace}"],
  options: {
    port: { type: "string" },
    host: { type: "string" },
    "allow-remote": { type: "boolean" },
    engine: { type: "string" },
    "scheduling-delay": { type: "string" },
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const options: EmulatorOptions = { logger: (line) => ctx.io.stderr.write(`${line}\n`) };
    const port = int(values, "port");
    if (port !== undefined) options.port = port;
    const host = str(values, "host");
    if (host !== undefined) options.host = host;
    if (values["allow-remote"] === true) options.allowNonLoopback = true;
    const engine = str(values, "engine");
    if (engine !== undefined) {
      const known = ENGINES.find((e) => e === engine);
      if (!known) throw new UsageError(`--engine expects ${ENGINES.join(", ")}, got "${engine}"`);
      options.containerEngine = known;
    }
    const delay = int(values, "scheduling-delay");
    if (delay !== undefined) options.schedulingDelayMs = delay;
    if (ctx.options.token !== undefined) options.token = ctx.options.token;
    if (ctx.options.namespace !== undefined) options.namespace = ctx.options.namespace;

    const emulator = await startEmulator(options);
    const stopped = new Promise<string>((resolve) => {
      ctx.interruptHandler = () => resolve("SIGINT");
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    if (ctx.mode === "json") ctx.out.json({ url: emulator.url, token: emulator.token, namespace: emulator.namespace });
    else if (ctx.mode === "quiet") ctx.out.line(emulator.url);
    else {
      ctx.out.line(`hf-jobs emulator listening on ${emulator.url} (namespace ${emulator.namespace})`);
      ctx.out.line("Point hf-jobs or the SDK at it:");
      ctx.out.line(`  export HF_ENDPOINT=${emulator.url}`);
      ctx.out.line(`  export HF_TOKEN=${emulator.token}`);
      ctx.out.line("Press Ctrl-C to stop.");
    }
    const why = await stopped;
    ctx.info(`hf-jobs emulator: ${why}, stopping`);
    await emulator.close();
    return EXIT.OK;
  },
};
