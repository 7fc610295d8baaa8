/**
 * `hf-jobs emulator`: a local emulator in the foreground, until Ctrl-C, SIGTERM or SIGHUP.
 * @module
 */
import { isAbsolute } from "node:path";
import { startEmulator } from "../../emulator/index.js";
import type { EmulatorOptions } from "../../emulator/types.js";
import { flag, int, list, str } from "../args.js";
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
else as plain processes on this machine. Ctrl-C, SIGTERM or SIGHUP (a closed terminal) stops
every job and the server. Log, metric and event streams end once their job has ended, as the
service's do. Here --token and --namespace set the emulator's own token and user name.`,
  optionsHelp: `Emulator options:
      --port N                Port (default: a free one)
      --host HOST             Interface (default 127.0.0.1; other hosts need --allow-remote)
      --allow-remote          Allow a non-loopback --host (anyone reaching it can run processes here)
      --allowed-host NAME     Also answer requests whose Host header is NAME (repeatable); others
                              than localhost, 127.x, [::1] and --host are refused
      --engine ENGINE         auto (default), docker, podman or none (plain processes)
      --engine-path PATH      Absolute path of the engine's CLI (default: docker or podman on PATH)
      --engine-arg=ARG        Flag placed before every engine subcommand (info, run, rm);
                              repeatable, one word each: --engine-arg=--runtime --engine-arg=runc
      --run-arg=ARG           Flag added to every container run, before the image; repeatable,
                              one word each: --run-arg=--ulimit --run-arg=nofile=4096:4096
                              (--engine-path, --engine-arg and --run-arg need --engine docker or podman)
      --scheduling-delay MS   Time a job spends in SCHEDULING (default 100)
      --keep-streams-open     Keep log/metric/event streams open with keep-alives after the job
                              ended (to test a client's reconnect logic; clients that follow
                              logs then never return)`,
  examples: [
    "hf-jobs emulator --port 8787",
    "hf-jobs emulator --json   # one line: {url, token, namespace}",
    "hf-jobs emulator --engine podman --run-arg=--ulimit --run-arg=nofile=4096:4096 --run-arg=--ulimit --run-arg=nproc=4096:4096",
  ],
  options: {
    port: { type: "string" },
    host: { type: "string" },
    "allow-remote": { type: "boolean" },
    "allowed-host": { type: "string", multiple: true },
    "keep-streams-open": { type: "boolean" },
    engine: { type: "string" },
    "engine-path": { type: "string" },
    "engine-arg": { type: "string", multiple: true },
    "run-arg": { type: "string", multiple: true },
    "scheduling-delay": { type: "string" },
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const options: EmulatorOptions = { logger: (line) => ctx.io.stderr.write(`${line}\n`) };
    const port = int(values, "port");
    if (port !== undefined) options.port = port;
    const host = str(values, "host");
    if (host !== undefined) options.host = host;
    if (flag(values, "allow-remote")) options.allowNonLoopback = true;
    const allowedHosts = list(values, "allowed-host");
    if (allowedHosts.length > 0) options.allowedHosts = allowedHosts;
    if (flag(values, "keep-streams-open")) options.keepLogStreamsOpen = true;
    const engine = str(values, "engine");
    if (engine !== undefined) {
      const known = ENGINES.find((e) => e === engine);
      if (!known) throw new UsageError(`--engine expects ${ENGINES.join(", ")}, got "${engine}"`);
      options.containerEngine = known;
    }
    const enginePath = str(values, "engine-path");
    const engineArgs = list(values, "engine-arg");
    const runArgs = list(values, "run-arg");
    if (enginePath !== undefined || engineArgs.length > 0 || runArgs.length > 0) {
      // One engine's flags would break the other: "auto" could pick either.
      if (options.containerEngine !== "docker" && options.containerEngine !== "podman") {
        throw new UsageError("--engine-path, --engine-arg and --run-arg need --engine docker or --engine podman");
      }
      if (enginePath !== undefined) {
        if (!isAbsolute(enginePath)) throw new UsageError(`--engine-path expects an absolute path, got "${enginePath}"`);
        options.containerEnginePath = enginePath;
      }
      options.containerEngineArgs = engineArgs;
      options.containerRunArgs = runArgs;
    }
    const delay = int(values, "scheduling-delay");
    if (delay !== undefined) options.schedulingDelayMs = delay;
    if (ctx.options.token !== undefined) options.token = ctx.options.token;
    if (ctx.options.namespace !== undefined) options.namespace = ctx.options.namespace;

    const emulator = await startEmulator(options).catch((error: unknown) => {
      // Refused options and an engine that does not answer: the command line has to change.
      if (error instanceof Error && error.message.startsWith("emulator: ")) throw new UsageError(error.message.slice("emulator: ".length));
      throw error;
    });
    let stop: (why: string) => void = () => {};
    const stopped = new Promise<string>((resolve) => {
      stop = resolve;
    });
    ctx.interruptHandler = () => stop("SIGINT");
    const onTerm = () => stop("SIGTERM");
    const onHup = () => stop("SIGHUP");
    process.on("SIGTERM", onTerm);
    process.on("SIGHUP", onHup);
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
    // After SIGHUP the terminal is usually gone: nothing to say it to.
    if (why !== "SIGHUP") ctx.info(`hf-jobs emulator: ${why}, stopping`);
    await emulator.close();
    process.off("SIGTERM", onTerm);
    process.off("SIGHUP", onHup);
    return EXIT.OK;
  },
};
