/**
 * Rules of the source tree that no type checker enforces: no import cycle (type-only and dynamic
 * imports included), a facade without request logic, small files, and comments that stand alone
 * (no pointer to a document or a ticket outside the repository).
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const SRC = join(ROOT, "src");
const MAX_LINES = 350;
/** Files allowed over {@link MAX_LINES}, with the reason. Keep this empty. */
const LINE_EXEMPTIONS: Record<string, string> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

// `import ... from "x"`, `import type ... from "x"`, `export ... from "x"`, `import "x"`, `import("x")`.
const IMPORT_RE = /(?:\bimport|\bexport)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

/** Relative imports of a file, resolved to source paths (`.js` written for `.ts` files). */
function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(IMPORT_RE)) {
    const spec = match[1] ?? match[2];
    if (!spec?.startsWith(".")) continue;
    out.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts").replace(/\.mjs$/, ".mts").replace(/\.cjs$/, ".cts")));
  }
  return out;
}

/** Every elementary cycle reachable in the graph, each reported once (as a list of files). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join("|");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, next]);
        }
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

const files = sourceFiles(SRC);
const texts = new Map(files.map((file) => [file, readFileSync(file, "utf8")]));
const rel = (file: string) => relative(ROOT, file);

describe("the cycle finder", () => {
  it("sees static, type-only, re-export and dynamic imports", () => {
    const file = join(SRC, "a", "x.ts");
    const text = [
      `import { a } from "./a.js";`,
      `import type { B } from "../b.js";`,
      `export { c } from "./c.js";`,
      `export type { D } from "./d.js";`,
      `const e = await import("./e.js");`,
      `import {\n  f,\n  type G,\n} from "./f.js";`,
      `import "./side.js";`,
      `import ky from "ky";`,
    ].join("\n");
    expect(importsOf(file, text).map(rel)).toStrictEqual([
      "src/a/a.ts",
      "src/b.ts",
      "src/a/c.ts",
      "src/a/d.ts",
      "src/a/e.ts",
      "src/a/f.ts",
      "src/a/side.ts",
    ]);
  });

  it("finds a cycle, and none in a tree", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(findCycles(graph)).toStrictEqual([["a", "b", "c", "a"]]);
    expect(findCycles(new Map([["a", ["b"]], ["b", []], ["c", ["a", "b"]]]))).toStrictEqual([]);
  });
});

describe("source tree", () => {
  it("has no import cycle in src/, type-only and dynamic imports included", () => {
    const graph = new Map(files.map((file) => [file, importsOf(file, texts.get(file) ?? "").filter((f) => texts.has(f))]));
    const cycles = findCycles(graph).map((cycle) => cycle.map(rel).join(" -> "));
    expect(cycles).toStrictEqual([]);
  });

  it("keeps request logic out of the JobsClient facade", () => {
    const facade = texts.get(join(SRC, "client.ts")) ?? "";
    expect(facade).not.toBe("");
    expect(facade).not.toMatch(/\btransport\b|\bfetch\s*\(|\bky\b|Transport\b|\/api\//);
  });

  it(`has no source file over ${MAX_LINES} lines (exemptions listed in this test)`, () => {
    const long = files
      .map((file) => ({ file: rel(file), lines: (texts.get(file) ?? "").split("\n").length }))
      .filter(({ file, lines }) => lines > MAX_LINES && !(file in LINE_EXEMPTIONS))
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toStrictEqual([]);
  });

  it("has no comment that points to an outside document or a ticket", () => {
    const offending: string[] = [];
    for (const [file, text] of texts) {
      text.split("\n").forEach((line, i) => {
        if (/reference\s*§|\bissues?\s+#?\d+/i.test(line)) offending.push(`${rel(file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offending).toStrictEqual([]);
  });
});
