// Loads the gateway's YAML config with the common loader: schema walk (the motion section included),
// then env overrides, secrets and cross-field checks; every problem at once, or the resolved config.

import {
  type ConfigCheck,
  ConfigError,
  checkConfigText as checkAgainstSchema,
  readConfigFile,
} from '@servo-edge/common/config';
import { checkStationSection } from '../line/stations/station-checks.js';
import { checkMotionSection } from './motion-checks.js';
import { resolveConfig } from './resolve.js';
import { GatewayConfigSchema } from './schema.js';
import type { ConfigEnvironment, GatewayConfig } from './types.js';

export { readConfigFile };

export interface LoadOptions {
  /** Defaults to `process.env`. */
  env?: ConfigEnvironment;
}

/** Checks YAML text without throwing: the resolved config, or every problem in document order. */
export function checkConfigText(text: string, options: LoadOptions = {}): ConfigCheck<GatewayConfig> {
  const env = options.env ?? process.env;
  // resolveConfig both checks and builds; the check hands its config out here, so nothing runs twice.
  let resolved: GatewayConfig | undefined;
  const result = checkAgainstSchema(GatewayConfigSchema, text, {
    check: (document, schemaOk) => {
      const resolution = resolveConfig(document, schemaOk, env);
      resolved = resolution.config;
      return [
        ...resolution.problems,
        ...checkMotionSection(document, schemaOk),
        ...checkStationSection(document, schemaOk),
      ];
    },
  });
  if (!result.ok) return result;
  // A clean check always resolves (resolveConfig returns no config only alongside a problem).
  if (resolved === undefined) throw new Error('config check passed but resolved nothing');
  return { ok: true, value: resolved };
}

/** Parses and validates YAML text; throws the common ConfigError (CONFIG_INVALID) carrying every problem. */
export function parseConfigText(
  text: string,
  options: LoadOptions & { source?: string } = {},
): GatewayConfig {
  const result = checkConfigText(text, options);
  if (!result.ok) {
    throw new ConfigError(
      'CONFIG_INVALID',
      result.problems,
      options.source === undefined ? {} : { source: options.source },
    );
  }
  return result.value;
}

/** Reads and validates a config file; throws ConfigError CONFIG_UNREADABLE or CONFIG_INVALID. */
export async function loadConfigFile(file: string, options: LoadOptions = {}): Promise<GatewayConfig> {
  return parseConfigText(await readConfigFile(file), { ...options, source: file });
}
