/**
 * What a command gets: its streams, the output printer, a lazily built `JobsClient` configured
 * from `--token`/`--endpoint`/`--namespace` (else the SDK's discovery), redaction, and the
 * signal aborted by Ctrl-C.
 * @module
 */
import type { JobsClient } from "../client.js";
import { resolveToken } from "../core/config.js";
import { redactor } from "../core/redact.js";
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
  /** `--format`: table, plain, json, quiet or auto. */
  format?: string;
  /** `--no-truncate`: table cells are never cut. */
  noTruncate: boolean;
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
    format: str(values, "format"),
    noTruncate: flag(values, "no-truncate"),
  };
}

/** `https://user:pass@host` shows as `https://***@host`. */
export function hideUserinfo(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1***@");
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
  #mask: ((text: string) => string) | undefined;
  #maskOf = -1;
  #client: JobsClient | undefined;
  readonly #Client: typeof JobsClient;
  #token: Promise<string | undefined> | undefined;
  #flavors: Promise<string[] | undefined> | undefined;

  /** `Client` is the SDK's `JobsClient` class (imported by the caller when a command runs). */
  constructor(io: Io, options: GlobalOptions, signal: AbortSignal, Client: typeof JobsClient) {
    this.#Client = Client;
    this.io = io;
    this.options = options;
    this.signal = signal;
    const columns = Number(io.env.COLUMNS);
    const width = Number.isInteger(columns) && columns > 0 ? columns : (io.stdout.columns ?? 80);
    this.#addEndpointCredentials(options.endpoint ?? io.env.HF_ENDPOINT);
    const mode = outputMode(options, io.stdout.isTTY === true);
    this.out = new Output(io.stdout, mode, { width, noTruncate: options.noTruncate }, (text) => this.maskKnown(text));
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
      this.#client = new this.#Client({
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

  /**
   * The flavor names of the service's hardware list, fetched once per invocation; undefined
   * when the list could not be read (the caller then checks nothing).
   */
  flavorNames(): Promise<string[] | undefined> {
    this.#flavors ??= this.client.hardware({ signal: this.signal }).then(
      (list) => list.map((h) => h.name),
      () => undefined,
    );
    return this.#flavors;
  }

  /** What env/secrets parsing needs. */
  get envContext(): EnvContext {
    return { local: this.io.env, cwd: this.io.cwd, token: () => this.token() };
  }

  /** Remembers secret values so that no message shows them. */
  addSecrets(values: Iterable<string>): void {
    for (const value of values) if (value.length >= 4) this.#secrets.add(value);
  }

  /** Masks the token, the secrets, anything token-shaped and URL credentials (messages, debug lines). */
  redact(text: string): string {
    return hideUserinfo(this.#masker()(text));
  }

  /**
   * What everything on stdout goes through, job output included: the same masking as
   * {@link redact} (the SDK's one token pattern leaves words such as `hf_transfer` alone).
   */
  maskKnown(text: string): string {
    return this.redact(text);
  }

  /** Credentials in the endpoint URL (`http://user:pass@host`) are secrets too. */
  #addEndpointCredentials(endpoint: string | undefined): void {
    if (!endpoint) return;
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return;
    }
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    if (password) this.#secrets.add(`${user}:${password}`);
    if (password.length >= 4) this.#secrets.add(password);
    if (user.length >= 4) this.#secrets.add(user); // may be a token given as the user name
  }

  /** The SDK's redactor over the known secrets, built again only when a secret was added. */
  #masker(): (text: string) => string {
    if (!this.#mask || this.#maskOf !== this.#secrets.size) {
      this.#mask = redactor(this.#secrets);
      this.#maskOf = this.#secrets.size;
    }
    return this.#mask;
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
