/**
 * Identifier generators: job ids look like the service's (24 hex chars, ObjectId-like).
 * @module
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";

/** A fresh 24-hex-char id: 8 hex of seconds since the epoch, then 16 random hex. */
export function newObjectId(): string {
  const seconds = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, "0")
    .slice(-8);
  return seconds + randomBytes(8).toString("hex");
}

/** A deterministic 24-hex-char id derived from a seed (stable user/org ids). */
export function stableId(seed: string): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, 24);
}

/** A random token with the `hf_` prefix the JS client requires. */
export function newToken(): string {
  return `hf_emu_${randomBytes(16).toString("hex")}`;
}

/** A short metrics replica id like the service's (`"j6qz9"`). */
export function newReplicaId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(randomBytes(5), (b) => alphabet[b % alphabet.length]).join("");
}

/** Value of the X-Request-Id response header. */
export function newRequestId(): string {
  return randomUUID();
}
