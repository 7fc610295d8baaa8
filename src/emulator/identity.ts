/**
 * The emulated account: the token's user, its organisations, and the entities responses embed.
 * @module
 */
import { forbiddenNamespace } from "./errors.js";
import { stableId } from "./ids.js";

/** `owner` / `createdBy` / `initiator` object. */
export interface Entity {
  id: string;
  name?: string;
  type?: string;
  avatarUrl?: string;
}

function avatar(id: string): string {
  return `https://cdn-avatars.huggingface.co/v1/production/uploads/${id}/emulator.png`;
}

/** The user behind the token and the namespaces it may use. */
export class Identity {
  /** The token's user name (the emulator's namespace). */
  readonly user: string;
  /** Organisations the token may also use. */
  readonly orgs: readonly string[];

  constructor(user: string, orgs: readonly string[]) {
    this.user = user;
    this.orgs = orgs;
  }

  /** Throws 403 unless the token may use `namespace`. */
  assertNamespace(namespace: string): void {
    if (namespace !== this.user && !this.orgs.includes(namespace)) throw forbiddenNamespace(namespace);
  }

  /** `owner` of jobs in that namespace. */
  owner(namespace: string): Entity {
    const id = stableId(`ns:${namespace}`);
    return { id, name: namespace, type: namespace === this.user ? "user" : "org", avatarUrl: avatar(id) };
  }

  /** `createdBy` of every job (always the token's user). */
  createdBy(): Entity {
    return { id: stableId(`ns:${this.user}`), name: this.user };
  }

  /** `initiator` of jobs started directly by the user. */
  userInitiator(): Entity {
    const id = stableId(`ns:${this.user}`);
    return { type: "user", id, name: this.user, avatarUrl: avatar(id) };
  }

  /** Body of `GET /api/whoami-v2`, shaped like the Hub's; no token value in it. */
  whoami(): Record<string, unknown> {
    const id = stableId(`ns:${this.user}`);
    return {
      type: "user",
      id,
      name: this.user,
      fullname: this.user,
      email: `${this.user}@emulator.invalid`,
      emailVerified: true,
      canPay: true,
      isPro: true,
      periodEnd: null,
      avatarUrl: avatar(id),
      orgs: this.orgs.map((org) => {
        const orgId = stableId(`ns:${org}`);
        return { type: "org", id: orgId, name: org, fullname: org, avatarUrl: avatar(orgId), roleInOrg: "admin", isEnterprise: false };
      }),
      auth: { type: "access_token", accessToken: { displayName: "hf-jobs emulator", role: "write" } },
    };
  }
}
