/**
 * Entry point of the `hf-jobs` command (bundled to dist/cli.js with a `#!/usr/bin/env node`
 * banner): wires the process (argv, streams, Ctrl-C, exit code) to the command tree.
 * @module
 */
import { VERSION } from "../version.js";
import { ROOT } from "./commands/index.js";
import type { Context } from "./context.js";
import { runCli } from "./dispatch.js";
import { EXIT } from "./exit.js";

async function main(): Promise<void> {
  const controller = new AbortController();
  let ctx: Context | undefined;
  process.on("SIGINT", () => {
    // A command that took Ctrl-C over decides each time (a foreground run asks, again after a resume).
    const handler = ctx?.interruptHandler;
    if (handler) return handler();
    if (!controller.signal.aborted) return controller.abort();
    // Insisting: leave now (the jobs themselves are not touched).
    process.exit(EXIT.INTERRUPTED);
  });
  // `hf-jobs ps | head -1`: a closed pipe is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT.OK);
  });
  const code = await runCli(
    ROOT,
    process.argv.slice(2),
    { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() },
    { signal: controller.signal, onContext: (c) => (ctx = c) },
    VERSION,
  );
  // Exit explicitly (idle keep-alive sockets must not hold the process), once output is flushed.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write("", () => resolve()));
  process.exit(code);
}

void main();
