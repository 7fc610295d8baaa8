/**
 * Finds the command named on the command line, parses its options and runs it; turns every
 * error into one line on stderr (redacted, no stack trace) and an exit code.
 * @module
 */
import { ApiError, MissingTokenError } from "../core/errors.js";
import { redact } from "../core/redact.js";
import { GLOBAL_OPTIONS, parseCommandArgs } from "./args.js";
import { type CommandSpec, commandHelp, type GroupSpec, groupHelp } from "./command.js";
import { Context, type GlobalOptions, globalOptions, hideUserinfo, type Io } from "./context.js";
import { EXIT, exitCodeForError, UsageError } from "./exit.js";
import { didYouMean } from "./suggest.js";

/** Hooks the process entry point gives a run. */
export interface Runtime {
  /** Aborted on Ctrl-C unless the command took Ctrl-C over. */
  signal: AbortSignal;
  /** Called with the context once it exists (so that Ctrl-C can reach the command). */
  onContext?: (ctx: Context) => void;
}

/** Runs the CLI on `argv` (without `node` and the script) and returns the exit code. */
export async function runCli(root: GroupSpec, argv: readonly string[], io: Io, runtime: Runtime, version: string): Promise<number> {
  const path: string[] = [root.name];
  let ctx: Context | undefined;
  let spec: CommandSpec | GroupSpec = root;
  let global: GlobalOptions | undefined;
  try {
    let args = [...argv];
    if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
      io.stdout.write(`${version}\n`);
      return EXIT.OK;
    }
    if (args[0] === "help") {
      args = [...args.slice(1), "--help"];
    }
    // Walk down the groups: global options may come before any command name.
    while (spec.kind === "group") {
      const { before, name, after } = commandName(args);
      const parsed = parseCommandArgs(before, GLOBAL_OPTIONS, Number.POSITIVE_INFINITY);
      if (name === undefined) {
        if (parsed.values.help === true) {
          io.stdout.write(groupHelp(spec));
          return EXIT.OK;
        }
        io.stderr.write(groupHelp(spec));
        return EXIT.USAGE;
      }
      const group: GroupSpec = spec;
      const next = group.commands.find((c) => c.name === name || c.aliases?.includes(name));
      if (!next) {
        const names = group.commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
        throw new UsageError(`unknown command "${name}"${didYouMean(name, names)}`);
      }
      path.push(next.name);
      spec = next.kind === "lazy" ? await next.load() : next;
      args = [...before, ...after];
    }
    const command: CommandSpec = spec;
    const parsed = parseCommandArgs(args, { ...GLOBAL_OPTIONS, ...command.options }, command.lead ?? Number.POSITIVE_INFINITY);
    if (parsed.values.help === true) {
      io.stdout.write(commandHelp(command));
      return EXIT.OK;
    }
    global = globalOptions(parsed.values);
    // The SDK is loaded once a command runs: `--help` and usage errors never pay for it.
    const { JobsClient } = await import("../client.js");
    ctx = new Context(io, global, runtime.signal, JobsClient);
    runtime.onContext?.(ctx);
    // Known before anything is printed, so that stdout masks it (the emulator prints its own on purpose).
    if (!command.printsToken) await ctx.token().catch(() => undefined);
    return await command.run(ctx, parsed);
  } catch (error) {
    const code = exitCodeForError(error);
    const where = path.join(" ");
    let message = errorMessage(error, code, global?.verbose === true);
    if (ctx) await ctx.token().catch(() => undefined);
    const mask = (text: string) => (ctx ? ctx.redact(text) : hideUserinfo(redact(text, global?.token ? [global.token] : [])));
    message = mask(message);
    if (code === EXIT.INTERRUPTED && !message) return code;
    const hint = error instanceof UsageError ? ` (see ${where} --help)` : "";
    io.stderr.write(`${where}: ${message}${hint}\n`);
    if (code === EXIT.INTERNAL && io.env.DEBUG && error instanceof Error && error.stack) {
      io.stderr.write(`${mask(error.stack)}\n`);
    }
    return code;
  }
}

/**
 * Finds the command name: the first token that is neither a global option nor its value.
 * Tokens before it are global options (checked by the caller), the ones after belong to the command.
 */
function commandName(args: readonly string[]): { before: string[]; name?: string; after: string[] } {
  for (let i = 0; i < args.length; i++) {
    const token = args[i] as string;
    if (token === "--") return { before: args.slice(0, i), name: args[i + 1], after: args.slice(i + 2) };
    if (!token.startsWith("-") || token.length === 1) return { before: args.slice(0, i), name: token, after: args.slice(i + 1) };
    const long = token.startsWith("--") ? (GLOBAL_OPTIONS as Record<string, { type: string } | undefined>)[token.slice(2)] : undefined;
    const short = Object.values(GLOBAL_OPTIONS).find((o) => "short" in o && `-${o.short}` === token);
    if ((long ?? short)?.type === "string") i += 1; // skip its value
  }
  return { before: [...args], after: [] };
}

/** One line: the message of a known error, prefixed by `error:`. */
function errorMessage(error: unknown, code: number, verbose: boolean): string {
  if (code === EXIT.INTERRUPTED) return "";
  let text = error instanceof Error ? error.message : String(error);
  if (error instanceof MissingTokenError) {
    text = "no Hugging Face token found: pass --token, set HF_TOKEN, or log in with `hf auth login`";
  } else if (error instanceof ApiError && !verbose) {
    text = `${serverSaid(error)} (--verbose shows the request URL and id)`;
  }
  const oneLine = text.replace(/\s*\n\s*/g, " ").trim();
  if (code === EXIT.INTERNAL) return `internal error: ${oneLine} (please report it; DEBUG=hf-jobs shows the stack)`;
  return `error: ${oneLine}`;
}

/** `404: job not found`: the status and what the service said, without the URL and request id. */
function serverSaid(error: ApiError): string {
  const prefix = `${error.status} ${error.method} ${error.url}: `;
  let said = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  if (error.requestId) said = said.replace(` (request id ${error.requestId})`, "");
  if (said.length > 200) said = `${said.slice(0, 199)}…`;
  return said.startsWith(String(error.status)) ? said : `${error.status}: ${said}`;
}
