/**
 * THE token pattern, and the redaction of tokens and secret values from any text that may leave
 * the SDK (error messages, CLI output, debug lines). The spec builder, the uv file check and the
 * CLI use the same pattern, so a value refused in one place is refused everywhere.
 * @internal
 * @module
 */

/**
 * What a Hugging Face access token looks like: `hf_`, or `hf_oauth_` for OAuth tokens, then at
 * least 20 letters and digits, not glued to a preceding letter, digit or `_`. Real tokens carry 34
 * or more; the margin catches truncated copies, while identifiers such as `hf_transfer` or
 * `hf_hub_download` (underscores, short) or `load_hf_...` do not match.
 */
export const TOKEN_PATTERN = /(?<![A-Za-z0-9_])hf_(?:oauth_)?[A-Za-z0-9]{20,}/;

const TOKEN_PATTERN_ALL = new RegExp(TOKEN_PATTERN.source, "g");
const MASK = "***";
/** Known values shorter than this are not masked: they would blank out ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** The first token-shaped substring of `text`, if any. */
export function findToken(text: string): string | undefined {
  return TOKEN_PATTERN.exec(text)?.[0];
}

/**
 * Whether `text` holds something shaped like a token anywhere in it: a whole value, a value with
 * white space, quotes or `Bearer ` around it, a URL or a file that embeds one.
 */
export function looksLikeToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/**
 * A value as someone may have pasted a token: white space and line breaks trimmed, surrounding
 * quotes and a `Bearer ` prefix removed. Used to compare a value with a known token.
 */
export function normalizeToken(value: string): string {
  let out = value.trim();
  for (let previous = ""; previous !== out; ) {
    previous = out;
    out = out.replace(/^(["'`])([\s\S]*)\1$/, "$2").trim();
    out = out.replace(/^bearer\s+/i, "").trim();
  }
  return out;
}

/**
 * The printed forms a server may echo a value in: raw, JSON-escaped (with and without `\uXXXX`
 * for non-ASCII characters, as Python servers write them), URL-encoded and form-encoded.
 */
export function printedForms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the non-ASCII range is what is escaped.
  const asciiJson = json.replace(/[^\u0000-\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const uri = encodeURIComponent(value);
  const form = new URLSearchParams([["", value]]).toString().slice(1);
  return [...new Set([value, json, asciiJson, uri, uri.replace(/%20/g, "+"), form])];
}

/**
 * A text cut short at a size cap may end with the first characters of a secret, which no form
 * of it then matches: drops as many trailing characters as the longest printed form of any
 * secret (a token-shaped tail too), so that what is left can be redacted safely.
 */
export function withoutCutTail(text: string, secrets: Iterable<string | undefined>): string {
  let longest = 64; // a token's length, with room: a cut-short token is no longer token-shaped
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of printedForms(secret)) longest = Math.max(longest, form.length);
  }
  return text.slice(0, Math.max(0, text.length - longest));
}

/**
 * A function that masks every printed form (see {@link printedForms}) of every known secret,
 * then every token-shaped string. The forms are computed once: build one redactor for many texts
 * (log lines), not one per text.
 */
export function redactor(secrets: Iterable<string | undefined>): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of printedForms(secret)) forms.add(form);
  }
  // Longest first, so a secret that contains another is masked whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const form of ordered) if (out.includes(form)) out = out.split(form).join(MASK);
    return out.replace(TOKEN_PATTERN_ALL, `hf_${MASK}`);
  };
}

/**
 * Masks every printed form of every known secret, then every token-shaped string, in `text`.
 * Redact before cutting a text short: a cut can split a secret so that no form of it matches.
 */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  return redactor(secrets)(text);
}
