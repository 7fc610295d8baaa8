/**
 * Finds the command named on the command line, parses its options and runs it; turns every
 * error into one line on stderr (redacted, no stack trace) and an exit code.
 * @module
 */
import { redact } from "../core/redact.js";
import { GLOBAL_OPTIONS, parseCommandArgs, splitArgs } from "./args.js";
import { type CommandSpec, commandHelp, type GroupSpec, groupHelp } from "./command.js";
import { Context, type GlobalOptions, globalOptions, type Io } from "./context.js";
import { EXIT, exitCodeForError, UsageError } from "./exit.js";

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
      const split = splitArgs(args, GLOBAL_OPTIONS, 1, false);
      const name = split.forced[0] ?? split.head.at(-1);
      const isName = name !== undefined && (split.forced.length > 0 || !name.startsWith("-"));
      const before = isName && split.forced.length === 0 ? split.head.slice(0, -1) : split.head;
      const parsed = parseCommandArgs(before, GLOBAL_OPTIONS, Number.POSITIVE_INFINITY);
      if (!isName) {
        if (parsed.values.help === true) {
          io.stdout.write(groupHelp(spec));
          return EXIT.OK;
        }
        io.stderr.write(groupHelp(spec));
        return EXIT.USAGE;
      }
      const next: CommandSpec | GroupSpec | undefined = spec.commands.find((c) => c.name === name || c.aliases?.includes(name));
      if (!next) throw new UsageError(`unknown command "${name}"`);
      path.push(next.name);
      spec = next;
      args = [...before, ...split.rest];
    }
    const command: CommandSpec = spec;
    const parsed = parseCommandArgs(args, { ...GLOBAL_OPTIONS, ...command.options }, command.lead ?? Number.POSITIVE_INFINITY);
    if (parsed.values.help === true) {
      io.stdout.write(commandHelp(command));
      return EXIT.OK;
    }
    global = globalOptions(parsed.values);
    ctx = new Context(io, global, runtime.signal);
    runtime.onContext?.(ctx);
    return await command.run(ctx, parsed);
  } catch (error) {
    const code = exitCodeForError(error);
    const where = path.join(" ");
    let message = errorMessage(error, code);
    if (ctx) await ctx.token().catch(() => undefined);
    const mask = (text: string) => (ctx ? ctx.redact(text) : redact(text, global?.token ? [global.token] : []));
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

/** One line: the message of a known error, prefixed by `error:`. */
function errorMessage(error: unknown, code: number): string {
  if (code === EXIT.INTERRUPTED) return "";
  const text = error instanceof Error ? error.message : String(error);
  const oneLine = text.replace(/\s*\n\s*/g, " ").trim();
  if (code === EXIT.INTERNAL) return `internal error: ${oneLine} (please report it; DEBUG=hf-jobs shows the stack)`;
  return `error: ${oneLine}`;
}
