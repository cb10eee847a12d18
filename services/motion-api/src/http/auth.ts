// API-key authentication and role checks. Keys arrive as `Authorization: Bearer <key>`, are compared
// as SHA-256 digests in constant time, and only the key's id is ever kept on the request or logged.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AuthConfig, Role } from '../config/schema.js';
import { MotionError } from '../errors.js';

/** Who is calling: the key's id from the config and its role. */
export interface Principal {
  keyId: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every authenticated request. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The least role the route needs; GET/HEAD default to viewer, other methods to operator. */
    role?: Role;
  }
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

export interface Authenticator {
  /** Dev mode: every request is admin. */
  readonly disabled: boolean;
  /** The principal for an Authorization header value, or undefined if it names no configured key. */
  identify(authorization: string | undefined): Principal | undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function createAuthenticator(auth: AuthConfig): Authenticator {
  // Only digests are kept: the plain keys from the config are not retained here.
  const keys = auth.keys.map((k) => ({
    id: k.id,
    role: k.role,
    digest: k.sha256 ? Buffer.from(k.sha256, 'hex') : digest(k.key ?? ''),
  }));
  return {
    disabled: auth.disabled,
    identify(authorization) {
      if (auth.disabled) return { keyId: 'dev-mode', role: 'admin' };
      const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(authorization ?? '');
      if (!match) return undefined;
      const presented = digest(match[1]!);
      let found: Principal | undefined;
      // Every key is compared, so the time taken does not tell which one came close.
      for (const k of keys) {
        if (timingSafeEqual(presented, k.digest) && !found) found = { keyId: k.id, role: k.role };
      }
      return found;
    },
  };
}

/** The role a route needs: its config.role, else by method. */
export function requiredRole(request: FastifyRequest): Role {
  const configured = request.routeOptions.config?.role;
  if (configured) return configured;
  return request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'operator';
}

/** onRequest hook: 401 without a known key, 403 when the key's role is too low. */
export function authHook(authenticator: Authenticator): onRequestHookHandler {
  return (request: FastifyRequest, _reply: FastifyReply, done) => {
    const principal = authenticator.identify(request.headers.authorization);
    if (!principal) {
      done(new MotionError('UNAUTHORIZED', 'missing or unknown API key'));
      return;
    }
    request.principal = principal;
    const need = requiredRole(request);
    if (!roleAllows(principal.role, need)) {
      done(
        new MotionError('FORBIDDEN', `role ${principal.role} may not do this; it needs ${need}`, {
          requiredRole: need,
        }),
      );
      return;
    }
    done();
  };
}
