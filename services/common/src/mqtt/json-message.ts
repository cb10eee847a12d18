// Reads one JSON MQTT payload against its schema: bounded, total (never throws), garbage refused with a reason.

import type { Static, TSchema } from '@sinclair/typebox';
import { type ConfigCheckOptions, checkConfigValue } from '../config/load.js';
import type { ConfigProblem } from '../config/problems.js';

/**
 * `reason` says why in words, for a log line; `problems` carry the stable codes (CONFIG_PARSE for bytes
 * that are not UTF-8 JSON, CONFIG_OUT_OF_RANGE for an oversized payload, the walker's codes otherwise).
 */
export type MessageRefusal = { ok: false; reason: string; problems: readonly ConfigProblem[] };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Checks an already-parsed message; unknown fields are dropped when the schema allows them. */
export function checkMessage<S extends TSchema>(
  schema: S,
  value: unknown,
  options: ConfigCheckOptions<Static<S>> = {},
): { ok: true; value: Static<S> } | MessageRefusal {
  // A message is an object: `null`, a string or a list is refused here, not filled with defaults.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse({ code: 'CONFIG_WRONG_TYPE', path: '(document)', message: 'not a JSON object' });
  }
  const result = checkConfigValue(schema, value, options);
  if (result.ok) return result;
  const reason = result.problems.map((problem) => `${problem.message} [${problem.code}]`).join('; ');
  return { ok: false, reason, problems: result.problems };
}

/** Parses a payload of at most `maxBytes` bytes (checked before any parsing) and checks it. */
export function parseMessage<S extends TSchema>(
  schema: S,
  payload: Uint8Array,
  maxBytes: number,
  options: ConfigCheckOptions<Static<S>> = {},
): { ok: true; value: Static<S> } | MessageRefusal {
  if (payload.byteLength > maxBytes) {
    return refuse({
      code: 'CONFIG_OUT_OF_RANGE',
      path: '(document)',
      message: `payload of ${payload.byteLength} bytes > ${maxBytes}`,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(payload));
  } catch {
    return refuse({ code: 'CONFIG_PARSE', path: '(document)', message: 'not UTF-8 JSON' });
  }
  return checkMessage(schema, value, options);
}

function refuse(problem: ConfigProblem): MessageRefusal {
  return { ok: false, reason: problem.message, problems: [problem] };
}
