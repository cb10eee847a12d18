// Structured logging: one JSON object per line; callers pass fields, and secret-looking fields are redacted.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/**
 * `event` is a stable dotted name (e.g. `mqtt.auth.refused`) operators can grep and alert on; a
 * `code` field, when present, is a registry code from errors.ts. Same shape as the vision logger.
 */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are never written, whatever the caller passes. */
const SECRET_FIELD = /pass(word)?|secret|token|^key$|apikey/i;

export function createJsonLogger(
  options: { level?: LogLevel; write?: (line: string) => void; nowMs?: () => number } = {},
): Logger {
  const minRank = LEVEL_RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const nowMs = options.nowMs ?? Date.now;
  const emit = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (LEVEL_RANK[level] < minRank) return;
    const record: LogFields = { time: new Date(nowMs()).toISOString(), level, event };
    for (const [name, value] of Object.entries(fields)) {
      record[name] = SECRET_FIELD.test(name) ? '[redacted]' : value;
    }
    write(`${JSON.stringify(record, errorReplacer)}\n`);
  };
  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}

function errorReplacer(_name: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}

export interface LogRecord {
  level: LogLevel;
  event: string;
  fields: LogFields;
}

/** A logger that keeps records in memory, for tests. */
export interface MemoryLogger extends Logger {
  readonly records: LogRecord[];
  /** Records of one event name. */
  events(event: string): LogRecord[];
}

export function createMemoryLogger(): MemoryLogger {
  const records: LogRecord[] = [];
  const push =
    (level: LogLevel) =>
    (event: string, fields: LogFields = {}) => {
      records.push({ level, event, fields });
    };
  return {
    records,
    events: (event) => records.filter((record) => record.event === event),
    debug: push('debug'),
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
  };
}

/** Discards everything. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
