// Structured logging: one JSON object per line on stderr; callers pass fields, never secrets.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;

/** `event` is a stable dotted name (e.g. `frame.unreadable`) that operators can grep and alert on. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Keys whose values are never written, whatever the caller passes. */
const SECRET_KEYS = /pass(word)?|secret|token/i;

export function createJsonLogger(
  options: { level?: LogLevel; write?: (line: string) => void; nowMs?: () => number } = {},
): Logger {
  const minRank = LEVEL_RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const nowMs = options.nowMs ?? Date.now;
  const emit = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (LEVEL_RANK[level] < minRank) return;
    const record: LogFields = { time: new Date(nowMs()).toISOString(), level, event };
    for (const [key, value] of Object.entries(fields))
      record[key] = SECRET_KEYS.test(key) ? '[redacted]' : value;
    write(`${JSON.stringify(record, errorReplacer)}\n`);
  };
  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}

/** A logger that keeps records in memory, for tests. */
export function createMemoryLogger(): Logger & {
  records: Array<{ level: LogLevel; event: string } & LogFields>;
} {
  const records: Array<{ level: LogLevel; event: string } & LogFields> = [];
  const push =
    (level: LogLevel) =>
    (event: string, fields: LogFields = {}) => {
      records.push({ ...fields, level, event });
    };
  return { records, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}
