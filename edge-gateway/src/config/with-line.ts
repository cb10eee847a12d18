// For callers that run a packaging line (the demo, its plant): a config known to have one, or a coded error.

import { GatewayError } from '../errors.js';
import type { GatewayConfig, LineGatewayConfig } from './types.js';

/** The config, typed as having a line; throws GatewayError EDGE_LINE_NOT_CONFIGURED when it has none. */
export function withLine(config: GatewayConfig): LineGatewayConfig {
  if (config.line === undefined) {
    throw new GatewayError('EDGE_LINE_NOT_CONFIGURED', 'this needs a config with a `line` section');
  }
  return config as LineGatewayConfig;
}
