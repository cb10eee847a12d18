// A copy of the config that is safe to print or log: secrets replaced by their source.

import type { GatewayConfig } from './types.js';

export function redactConfig(config: GatewayConfig): unknown {
  return {
    ...config,
    auth: {
      ...config.auth,
      // A digest is not the secret, but it is what a guess is checked against: out of the log too.
      keys: config.auth.keys.map((key) =>
        key.source === 'sha256'
          ? { name: key.name, role: key.role, source: key.source, sha256: '[redacted]' }
          : { name: key.name, role: key.role, source: key.source, key: '[redacted]' },
      ),
    },
    mqtt:
      config.mqtt.mode === 'external'
        ? { ...config.mqtt, password: config.mqtt.password === undefined ? undefined : '[redacted]' }
        : config.mqtt,
  };
}
