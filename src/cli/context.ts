/**
 * What a command gets: its streams, the output printer, a lazily built `JobsClient` configured
 * from `--token`/`--endpoint`/`--namespace` (else the SDK's discovery), redaction, and the
 * signal aborted by Ctrl-C.
 * @module
 */
import { JobsClient } from "../client.js";
import { resolveToken } from "../core/config.js";
import { redact } from "../core/redact.js";
import { flag, type OptionValues, str } from "./args.js";
import type { EnvContext } from "./env.js";
import { Output, type OutputMode, outputMode, type TextSink } from "./output.js";
import { Progress } from "./progress.js";

/** The process's streams and environment, replaceable in tests. */
export interface Io {
  stdout: TextSink;
  stderr: TextSink;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Global options, parsed. */
export interface GlobalOptions {
  token?: string;
  endpoint?: string;
  namespace?: string;
  verbose: boolean;
  quiet: boolean;
  json: boolean;
}

/** Reads the global options out of a command's parsed values. */
export function globalOptions(values: OptionValues): GlobalOptions {
  return {
    token: str(values, "token"),
    endpoint: str(values, "endpoint"),
    namespace: str(values, "namespace"),
    verbose: flag(values, "verbose"),
    quiet: flag(values, "quiet"),
    json: flag(values, "json"),
  };
}

/** Everything a command runs with. */
export class Context {
  readonly io: Io;
  readonly options: GlobalOptions;
  readonly out: Output;
  /** Aborted on Ctrl-C (commands that handle Ctrl-C themselves take it over). */
  readonly signal: AbortSignal;
  /**
   * Set by a command that handles Ctrl-C itself (a foreground `run`); otherwise Ctrl-C aborts
   * {@link signal}.
   */
  interruptHandler: (() => void) | undefined;
  readonly #secrets = new Set<string>();
  #client: JobsClient | undefined;
  #token: Promise<string | undefined> | undefined;

  constructor(io: Io, options: GlobalOptions, signal: AbortSignal) {
    this.io = io;
    this.options = options;
    this.signal = signal;
    this.out = new Output(io.stdout, outputMode(options, io.stdout.isTTY === true));
  }

  /** The output mode. */
  get mode(): OutputMode {
    return this.out.mode;
  }

  /** Whether a person can answer a question (stdin and stderr are terminals). */
  get interactive(): boolean {
    return this.io.stdin.isTTY === true && this.io.stderr.isTTY === true;
  }

  /** The SDK client, built on first use. */
  get client(): JobsClient {
    if (!this.#client) {
      const debug = this.options.verbose ? (line: string) => this.io.stderr.write(`${this.redact(line)}\n`) : undefined;
      this.#client = new JobsClient({
        token: this.options.token,
        endpoint: this.options.endpoint ?? this.io.env.HF_ENDPOINT,
        namespace: this.options.namespace,
        debug,
      });
    }
    return this.#client;
  }

  /** The token the CLI uses: `--token`, else HF_TOKEN, HUGGING_FACE_HUB_TOKEN, the token file. */
  token(): Promise<string | undefined> {
    this.#token ??= resolveToken(this.options.token, this.io.env).then((token) => {
      if (token) this.#secrets.add(token);
      return token;
    });
    return this.#token;
  }

  /** What env/secrets parsing needs. */
  get envContext(): EnvContext {
    return { local: this.io.env, cwd: this.io.cwd, token: () => this.token() };
  }

  /** Remembers secret values so that no message shows them. */
  addSecrets(values: Iterable<string>): void {
    for (const value of values) if (value.length >= 4) this.#secrets.add(value);
  }

  /** Masks the token, the secrets and anything token-shaped (messages, debug lines). */
  redact(text: string): string {
    return redact(text, this.#secrets);
  }

  /**
   * Masks only the exact token and secret values: job output is shown otherwise unchanged
   * (a word such as `hf_transfer` in a log line is not a token).
   */
  maskKnown(text: string): string {
    let out = text;
    for (const value of this.#secrets) if (out.includes(value)) out = out.split(value).join("***");
    return out;
  }

  /** A progress line on stderr (only on a terminal, and never with -q). */
  progress(): Progress {
    return new Progress(this.io.stderr, this.io.stderr.isTTY === true && this.mode !== "quiet");
  }

  /** An informational line on stderr, skipped with -q. */
  info(text: string): void {
    if (this.mode !== "quiet") this.io.stderr.write(`${this.redact(text)}\n`);
  }

  /** A warning or error line on stderr (always shown). */
  warn(text: string): void {
    this.io.stderr.write(`${this.redact(text)}\n`);
  }
}
