// The one logger: pino, one JSON object per line, secrets redacted by one list. fastify takes the same
// instance (`loggerInstance`), so the HTTP request logs and the process's own events share a stream.

import { pino } from 'pino';
import { REDACTED_CENSOR, REDACTED_LOG_PATHS } from './redact.js';

export type Logger = pino.Logger;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export interface LoggerOptions {
  level?: LogLevel;
  /** The process or component, written as `name` on every line. */
  name?: string;
  /** Where lines go; stderr by default (stdout is left to CLIs' own output). */
  destination?: pino.DestinationStream;
}

/**
 * Call convention: `log.warn({ ...fields }, 'mqtt.auth.refused')`: the message is a stable dotted
 * event name operators can grep and alert on, and a `code` field, when present, is a registry code.
 * Errors go in an `err` field, which pino serialises with its stack.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: { paths: [...REDACTED_LOG_PATHS], censor: REDACTED_CENSOR },
      // ISO time: logs are read by people and shipped to systems that parse dates.
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

/** Writes nothing; for components whose owner passed no logger. */
export const silentLogger: Logger = pino({ level: 'silent' });
