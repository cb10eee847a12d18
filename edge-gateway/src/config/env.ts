// The environment variables that override config values; the README lists the same table (a test checks).

export interface EnvOverride {
  name: string;
  /** What it overrides, for the README. */
  doc: string;
}

export const ENV_OVERRIDES = [
  {
    name: 'SERVO_EDGE_API_KEY',
    doc: 'Secret of the first `admin` key; when no admin key is configured, adds one named `admin`.',
  },
  { name: 'SERVO_EDGE_PORT', doc: '`http.port`.' },
  { name: 'SERVO_EDGE_MQTT_PORT', doc: '`mqtt.embedded.portTcp` (embedded broker only).' },
  { name: 'SERVO_EDGE_MQTT_WS_PORT', doc: '`mqtt.embedded.portWs` (embedded broker only).' },
] as const satisfies readonly EnvOverride[];

export type EnvOverrideName = (typeof ENV_OVERRIDES)[number]['name'];

/** Minimum secret length, for keys in the file and keys from the environment alike. */
export const MIN_SECRET_LENGTH = 16;

/** The variable's value, or undefined when unset or empty (`VAR=` in a unit file means "not set"). */
export function envValue(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}
