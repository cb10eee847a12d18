// Looks up API keys in constant time per key: by name + secret (MQTT) or by secret alone (HTTP Bearer).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../config/types.js';
import type { Role } from './roles.js';

export interface Identity {
  name: string;
  role: Role;
}

const digest = (secret: string | Uint8Array) => createHash('sha256').update(secret).digest();

/** Holds digests, not secrets, so a heap dump of the store alone does not leak keys. */
export class KeyStore {
  private readonly entries: readonly { name: string; role: Role; digest: Buffer }[];

  constructor(keys: readonly ApiKey[]) {
    this.entries = keys.map((key) => ({
      name: key.name,
      role: key.role,
      // A `sha256` key is its digest already: the secret itself never reached the gateway.
      digest: key.source === 'sha256' ? Buffer.from(key.sha256, 'hex') : digest(key.key),
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** MQTT: username = key name, password = key. Undefined when either is wrong. */
  verify(name: string, secret: string | Uint8Array): Identity | undefined {
    const presented = digest(secret);
    // Compare against every entry so the time taken does not say which names exist.
    let match: Identity | undefined;
    for (const entry of this.entries) {
      const equal = timingSafeEqual(entry.digest, presented);
      if (equal && entry.name === name) match = { name: entry.name, role: entry.role };
    }
    return match;
  }

  /** HTTP: `Authorization: Bearer <key>`. */
  bearer(secret: string): Identity | undefined {
    const presented = digest(secret);
    let match: Identity | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented)) match = { name: entry.name, role: entry.role };
    }
    return match;
  }
}
