// The one list of log fields that are never written, for every process and for fastify's request logs.

/** Field names that hold secrets wherever they appear (pino redacts them at the top level and up to two levels down). */
const SECRET_FIELDS = ['password', 'secret', 'token', 'key', 'apiKey', 'apikey', 'authorization'] as const;

/**
 * pino `redact.paths` (fast-redact syntax). Request headers are listed by their full path because
 * fastify logs `req.headers`; `sec-websocket-protocol` carries the dashboard feed's API key.
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  'req.headers.authorization',
  'req.headers["sec-websocket-protocol"]',
  'request.headers.authorization',
  'request.headers["sec-websocket-protocol"]',
  'headers.authorization',
  'headers["sec-websocket-protocol"]',
];

export const REDACTED_CENSOR = '[redacted]';
