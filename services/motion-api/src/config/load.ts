// Loads motion.yaml through the common config loader (@servo-edge/common/config): the schema walk
// (defaults, unknown keys refused with a hint, bounds), then checkMotionConfig's cross-field checks.
// Every problem has a common code and a dotted path (`axes[0].countsPerUnit`), as in every package.

import {
  type ConfigCheck,
  checkConfigText,
  checkConfigValue,
  loadConfigFile,
  parseConfigValue,
} from '@servo-edge/common/config';
import { checkMotionConfig } from './check.js';
import { type MotionConfig, MotionConfigSchema } from './schema.js';

export { isLoopbackHost } from './check.js';

/** Validates an already-parsed configuration object. Throws the common ConfigError (CONFIG_INVALID). */
export function parseMotionConfig(raw: unknown): MotionConfig {
  return parseConfigValue(MotionConfigSchema, raw, { check: checkMotionConfig });
}

/** Reads and validates a YAML (or JSON) file; problems carry line numbers. Throws ConfigError. */
export function loadMotionConfigFile(path: string): Promise<MotionConfig> {
  return loadConfigFile(MotionConfigSchema, path, { check: checkMotionConfig });
}

/** Checks YAML text without throwing (an editor, a `check-config` command). */
export function checkMotionConfigText(text: string): ConfigCheck<MotionConfig> {
  return checkConfigText(MotionConfigSchema, text, { check: checkMotionConfig });
}

/** Checks a parsed value without throwing. */
export function checkMotionConfigValue(raw: unknown): ConfigCheck<MotionConfig> {
  return checkConfigValue(MotionConfigSchema, raw, { check: checkMotionConfig });
}
