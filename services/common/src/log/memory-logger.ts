// A real pino logger (same redaction, same serialisers) whose lines land in memory, for tests.

import { createLogger, type Logger, type LogLevel } from './logger.js';

export interface LogRecord {
  level: Exclude<LogLevel, 'silent'>;
  /** The message: by convention, the stable event name. */
  event: string;
  /** Every other field pino wrote, after redaction (time, pid and hostname left out). */
  fields: Record<string, unknown>;
}

export interface MemoryLogger {
  logger: Logger;
  readonly records: LogRecord[];
  /** Records of one event name. */
  events(event: string): LogRecord[];
}

export function createMemoryLogger(level: LogLevel = 'debug'): MemoryLogger {
  const records: LogRecord[] = [];
  const logger = createLogger({
    level,
    destination: {
      write(line: string) {
        const {
          level: levelLabel,
          msg,
          time: _time,
          pid: _pid,
          hostname: _hostname,
          ...fields
        } = JSON.parse(line);
        records.push({ level: levelLabel, event: msg ?? '', fields });
      },
    },
  });
  return { logger, records, events: (event) => records.filter((record) => record.event === event) };
}
