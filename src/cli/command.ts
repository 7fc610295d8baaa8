/**
 * How commands are declared, and their `--help` text.
 * @module
 */
import type { OptionDefs, ParsedArgs } from "./args.js";
import type { Context } from "./context.js";

/** A command (`run`, `ps`, `scheduled delete`, ...). */
export interface CommandSpec {
  kind: "command";
  name: string;
  aliases?: readonly string[];
  /** One line for the command list. */
  summary: string;
  /** Usage line(s) after `Usage:`. */
  usage: string;
  /** Paragraph(s) after the usage. */
  description?: string;
  /** The options section(s) of the help, without the global options. */
  optionsHelp?: string;
  /** At least one example. */
  examples: readonly string[];
  /** Options besides the global ones. */
  options: OptionDefs;
  /** Positionals before the job's own argv starts; omitted when the command has none. */
  lead?: number;
  /** The command prints the token on purpose (the emulator's banner): stdout does not mask it. */
  printsToken?: boolean;
  run(ctx: Context, args: ParsedArgs): Promise<number>;
}

/**
 * A command or group in a command list, loaded only when it is the one asked for: listing the
 * commands, or running one of them, pays for that one alone.
 */
export interface LazySpec {
  kind: "lazy";
  name: string;
  aliases?: readonly string[];
  /** One line for the command list (the loaded spec has the same). */
  summary: string;
  load(): Promise<CommandSpec | GroupSpec>;
}

/** An entry of a group's command list. */
export type EntrySpec = CommandSpec | GroupSpec | LazySpec;

/** A group of commands (`uv`, `scheduled`, the top level). */
export interface GroupSpec {
  kind: "group";
  name: string;
  aliases?: readonly string[];
  summary: string;
  usage: string;
  description?: string;
  examples: readonly string[];
  commands: ReadonlyArray<EntrySpec>;
}

/** Help of the options every command accepts. */
export const GLOBAL_HELP = `Global options:
      --token TOKEN           Hugging Face token (default HF_TOKEN, then the token file)
      --endpoint URL          Service URL (default HF_ENDPOINT, then https://huggingface.co)
      --namespace NAME        User or organisation (default: the token's owner)
      --json                  JSON output, one object per line
  -q, --quiet                 Print ids only
      --format FORMAT         table, plain (tab-separated), json, quiet or auto (the default:
                              table on a terminal, plain otherwise)
      --no-truncate           Never cut table cells to fit the terminal
      --verbose               Show the HTTP requests on stderr (also DEBUG=hf-jobs)
  -h, --help                  Show this help`;

/** The `--help` text of a command. */
export function commandHelp(spec: CommandSpec): string {
  const parts = [`Usage: ${spec.usage}`];
  if (spec.aliases?.length) parts.push(`Aliases: ${spec.aliases.join(", ")}`);
  parts.push(spec.summary + (spec.description ? `\n\n${spec.description}` : ""));
  if (spec.optionsHelp) parts.push(spec.optionsHelp);
  parts.push(GLOBAL_HELP);
  parts.push(`Example${spec.examples.length > 1 ? "s" : ""}:\n${spec.examples.map((e) => `  ${e}`).join("\n")}`);
  return `${parts.join("\n\n")}\n`;
}

/** The `--help` text of a group. */
export function groupHelp(spec: GroupSpec): string {
  const width = Math.max(...spec.commands.map((c) => displayName(c).length));
  const lines = spec.commands.map((c) => `  ${displayName(c).padEnd(width)}   ${c.summary}`);
  const parts = [`Usage: ${spec.usage}`, spec.summary + (spec.description ? `\n\n${spec.description}` : ""), `Commands:\n${lines.join("\n")}`, GLOBAL_HELP];
  parts.push(`Example${spec.examples.length > 1 ? "s" : ""}:\n${spec.examples.map((e) => `  ${e}`).join("\n")}`);
  return `${parts.join("\n\n")}\n`;
}

function displayName(spec: EntrySpec): string {
  return spec.aliases?.length ? `${spec.name} (${spec.aliases.join(", ")})` : spec.name;
}
