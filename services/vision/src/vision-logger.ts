// The vision service's logger: common's pino logger (one redaction list for every servo-edge process).

import { createLogger, type Logger, type LoggerOptions, type LogLevel } from '@servo-edge/common/log';

/** JSON lines on stderr named `vision`; `destination` is for tests. */
export function createVisionLogger(level: LogLevel, destination?: LoggerOptions['destination']): Logger {
  return createLogger({ level, name: 'vision', ...(destination === undefined ? {} : { destination }) });
}
