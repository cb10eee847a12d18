// The logger: pino with one redaction list, and an in-memory variant for tests.

export {
  createLogger,
  LOG_LEVELS,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  silentLogger,
} from './logger.js';
export { createMemoryLogger, type LogRecord, type MemoryLogger } from './memory-logger.js';
export { REDACTED_CENSOR, REDACTED_LOG_PATHS } from './redact.js';
