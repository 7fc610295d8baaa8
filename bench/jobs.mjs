// Job specs the scenarios run on the emulator (host processes: the image is ignored).

// Prints LINES lines of about LINE_BYTES bytes (newline included), in ~1 MB writes that respect
// back-pressure: the job is as fast as the emulator can take it. Lines look like a training log;
// every tenth carries a multi-byte progress bar, so that UTF-8 decoding is part of the work.
const PRINT_LINES = `
const total = Number(process.env.LINES);
const width = Number(process.env.LINE_BYTES) - 1;
let i = 0;
function line(n) {
  const head = "step " + n + " | loss " + ((n % 997) / 997).toFixed(4) + " | lr 3.0e-04 | ";
  const bar = n % 10 === 0 ? "\\u2588".repeat(8) + " " : "";
  return (head + bar).padEnd(width - bar.length * 2, ".");
}
function write() {
  while (i < total) {
    let chunk = "";
    while (i < total && chunk.length < 1 << 20) chunk += line(i++) + "\\n";
    if (!process.stdout.write(chunk)) return process.stdout.once("drain", write);
  }
}
write();
`;

/** A job printing `lines` lines of about `lineBytes` bytes each. */
export function printLinesJob(lines, lineBytes = 100) {
  return {
    image: "node:20",
    command: [process.execPath, "-e", PRINT_LINES],
    env: { LINES: String(lines), LINE_BYTES: String(lineBytes) },
    timeout: "2h",
  };
}

/** The shortest job there is. */
export const SHORT_JOB = { image: "python:3.12", command: ["true"] };
