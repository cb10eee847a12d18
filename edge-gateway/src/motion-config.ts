// The motion API's config as the gateway runs it: the config file's motion section, plus the gateway's
// HTTP address and API keys (one set of keys for the whole box).

import { type MotionConfig, parseMotionConfig } from '@servo-edge/motion-api';
import type { GatewayConfig } from './config/types.js';

/** The motion API's config from the gateway's: its own sections plus the gateway's HTTP and keys. */
export function motionConfigFor(config: GatewayConfig): MotionConfig {
  return parseMotionConfig({
    ...config.motion,
    http: { host: config.http.host, port: config.http.port },
    auth: {
      disabled: config.auth.devModeNoAuth,
      // The motion API has no `service` role: machines that only publish frames may read, no more.
      keys: config.auth.keys.map((k) => ({
        id: k.name,
        // The motion API takes a key or its digest alike (its `auth.keys[].sha256`).
        ...(k.source === 'sha256' ? { sha256: k.sha256 } : { key: k.key }),
        role: k.role === 'service' ? 'viewer' : k.role,
      })),
      rateLimit: { maxRequests: config.http.rateLimitPerMin, windowMs: 60_000 },
    },
  });
}
