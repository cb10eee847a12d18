// The roles an API key can carry, shared by the HTTP API and the MQTT broker.

/**
 * - `viewer`: read everything (GET, MQTT subscribe under the prefix).
 * - `operator`: viewer + motion and line commands.
 * - `admin`: everything, including config, e-stop reset and topics outside the prefix.
 * - `service`: machine accounts (vision service, simulated camera): publish frames, verdicts and vision status.
 */
export const ROLES = ['viewer', 'operator', 'admin', 'service'] as const;
export type Role = (typeof ROLES)[number];
