import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../src/core/errors.js";
import { extractMetadataBlock, readScriptMetadata, validateHfJobsTable } from "../src/uv/pep723.js";

const fixture = (name: string) => readFileSync(resolve(import.meta.dirname, "fixtures/uv", name), "utf8");
const script = (...lines: string[]) => `${lines.join("\n")}\n`;

function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

describe("extractMetadataBlock", () => {
  it("strips the comment prefixes and reports the first TOML line", () => {
    const block = extractMetadataBlock(script("import os", "# /// script", '# dependencies = ["a"]', "#", "#   x = 1", "# ///", "print(1)"), "s.py");
    expect(block).toEqual({ toml: 'dependencies = ["a"]\n\n  x = 1', firstLine: 3 });
  });

  it("handles CRLF line endings", () => {
    expect(extractMetadataBlock("# /// script\r\n# a = 1\r\n# ///\r\n", "s.py")?.toml).toBe("a = 1");
  });

  it("returns undefined without a script block, and ignores other block types", () => {
    expect(extractMetadataBlock("print(1)\n", "s.py")).toBeUndefined();
    expect(extractMetadataBlock(script("# /// pyproject", "# a = 1", "# ///"), "s.py")).toBeUndefined();
  });

  it("closes at the last `# ///` of the comment run (the PEP's reference regex)", () => {
    const block = extractMetadataBlock(script("# /// script", "# a = 1", "# ///", "# b = 2", "# ///", "x = 1"), "s.py");
    expect(block?.toml).toBe("a = 1\n///\nb = 2");
  });

  it("rejects two script blocks and an unclosed one, naming the script and line", () => {
    const two = validationError(() => extractMetadataBlock(script("# /// script", "# ///", "", "# /// script", "# ///"), "two.py"));
    expect(two.field).toBe("script");
    expect(two.message).toContain("two.py line 4");
    const open = validationError(() => extractMetadataBlock(script("# /// script", '# dependencies = ["a"]', "import os"), "open.py"));
    expect(open.message).toContain("open.py line 1");
    expect(open.message).toContain("never closed");
  });
});

describe("readScriptMetadata", () => {
  it("reads a script with a [tool.hf-jobs] table", () => {
    expect(readScriptMetadata(fixture("train.py"), "train.py")).toEqual({
      requiresPython: ">=3.10",
      dependencies: ["trl>=0.12", "datasets"],
      hfJobs: {
        flavor: "a10g-small",
        timeout: "2h",
        env: { WANDB_PROJECT: "sft" },
        secrets: ["HF_TOKEN"],
        labels: { team: "nlp" },
        volumes: [{ type: "dataset", source: "org/corpus", mountPath: "/corpus" }],
      },
    });
  });

  it("reads a script without the table, and one without metadata", () => {
    expect(readScriptMetadata(fixture("no-table.py"), "no-table.py")).toEqual({ dependencies: ["requests<3", "rich"] });
    expect(readScriptMetadata(fixture("plain.py"), "plain.py")).toEqual({});
  });

  it("reports malformed TOML with the script name and the script line", () => {
    const error = validationError(() => readScriptMetadata(fixture("malformed.py"), "malformed.py"));
    expect(error.field).toBe("script");
    expect(error.message).toMatch(/^Invalid script: malformed\.py line 7: malformed TOML in the "# \/\/\/ script" block: \S/);
    expect(error.message).not.toContain("\n");
  });

  it("rejects standard fields of the wrong type", () => {
    expect(validationError(() => readScriptMetadata(script("# /// script", '# dependencies = "trl"', "# ///"), "s.py")).message).toMatch(/dependencies/);
    expect(validationError(() => readScriptMetadata(script("# /// script", "# requires-python = 3", "# ///"), "s.py")).message).toMatch(/requires-python/);
  });

  it("rejects prototype-polluting keys", () => {
    validationError(() => readScriptMetadata(script("# /// script", "# [tool.hf-jobs.env]", "# __proto__ = 'x'", "# ///"), "s.py"));
  });
});

describe("validateHfJobsTable", () => {
  const fieldOf = (table: unknown) => validationError(() => validateHfJobsTable(table, "t.py")).field;

  it("accepts every key", () => {
    const table = {
      flavor: "t4-small",
      timeout: 3600,
      image: "python:3.12",
      env: { A: "1" },
      secrets: ["HF_TOKEN", "WANDB_API_KEY"],
      labels: { team: "x" },
      volumes: [{ type: "bucket", source: "me/b", mountPath: "/b", readOnly: false, path: "sub", revision: "main" }],
    };
    expect(validateHfJobsTable(table, "t.py")).toEqual(table);
  });

  it("names the offending key", () => {
    expect(fieldOf({ flavour: "t4-small" })).toBe("tool.hf-jobs.flavour");
    expect(fieldOf({ flavor: 1 })).toBe("tool.hf-jobs.flavor");
    expect(fieldOf({ image: "" })).toBe("tool.hf-jobs.image");
    expect(fieldOf({ timeout: "soon" })).toBe("tool.hf-jobs.timeout");
    expect(fieldOf({ timeout: true })).toBe("tool.hf-jobs.timeout");
    expect(fieldOf({ env: ["A=1"] })).toBe("tool.hf-jobs.env");
    expect(fieldOf({ env: { A: 1 } })).toBe("tool.hf-jobs.env.A");
    expect(fieldOf({ labels: { a: false } })).toBe("tool.hf-jobs.labels.a");
    expect(fieldOf({ secrets: "HF_TOKEN" })).toBe("tool.hf-jobs.secrets");
    expect(fieldOf({ secrets: ["HF_TOKEN", "hf_abc def"] })).toBe("tool.hf-jobs.secrets[1]");
    expect(fieldOf({ volumes: { type: "model" } })).toBe("tool.hf-jobs.volumes");
    expect(fieldOf({ volumes: [{ type: "model", source: "a/b" }] })).toBe("tool.hf-jobs.volumes[0].mountPath");
    expect(fieldOf({ volumes: [{ type: "model", source: "a/b", mountPath: "/m", readOnly: "yes" }] })).toBe("tool.hf-jobs.volumes[0].readOnly");
    expect(fieldOf({ volumes: [{ type: "model", source: "a/b", mount_path: "/m" }] })).toBe("tool.hf-jobs.volumes[0].mount_path");
    expect(fieldOf("a10g-small")).toBe("tool.hf-jobs");
  });

  it("mentions the script, and never echoes an env value", () => {
    const error = validationError(() => validateHfJobsTable({ env: { TOKEN: 12345 } }, "t.py"));
    expect(error.message).toContain("t.py");
    expect(error.message).not.toContain("12345");
  });
});
