// Imports one package in this fresh process and reports how long the import took.
const { specifier } = JSON.parse(process.env.BENCH_PARAMS ?? "{}");
const started = performance.now();
await import(specifier);
const importMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ specifier, importMs })}\n`);
