// A copy of the config that is safe to print or log: secrets replaced by their source.

import type { GatewayConfig } from './types.js';

export function redactConfig(config: GatewayConfig): unknown {
  return {
    ...config,
    auth: {
      ...config.auth,
      keys: config.auth.keys.map(({ key: _secret, ...rest }) => ({ ...rest, key: '[redacted]' })),
    },
    mqtt:
      config.mqtt.mode === 'external'
        ? { ...config.mqtt, password: config.mqtt.password === undefined ? undefined : '[redacted]' }
        : config.mqtt,
  };
}
