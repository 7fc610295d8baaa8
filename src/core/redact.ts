/**
 * Redaction of tokens and secret values from any text that may leave the SDK (error messages,
 * log lines of the CLI, debug output).
 * @internal
 * @module
 */

// Anything shaped like a Hugging Face access token, known to us or not.
const TOKEN_SHAPE = /hf_[A-Za-z0-9_]{8,}/g; // user and OAuth (`hf_oauth_...`) tokens
const MASK = "***";

/** Replaces every known secret and every token-shaped string in `text`. */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  const values = [...secrets].filter((s): s is string => typeof s === "string" && s.length >= 4);
  values.sort((a, b) => b.length - a.length);
  for (const value of values) out = out.split(value).join(MASK);
  return out.replace(TOKEN_SHAPE, `hf_${MASK}`);
}

// A whole token inside any text: not part of a longer word, so identifiers such as `hf_transfer`
// or `load_hf_dataset` are not taken for one.
const TOKEN_IN_TEXT = /(?<![A-Za-z0-9_])hf_(?:oauth_)?[A-Za-z0-9]{30,}(?![A-Za-z0-9_])/;

/** Whether `text` holds something shaped like a Hugging Face access token, anywhere in it. */
export function looksLikeToken(text: string): boolean {
  return TOKEN_IN_TEXT.test(text);
}
