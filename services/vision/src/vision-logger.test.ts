// Vision's logs never carry a secret: the common redaction list covers `key` and `apiKey`, which the
// service's own logger used to miss.

import { describe, expect, it } from 'vitest';
import { createVisionLogger } from './vision-logger.js';

describe('createVisionLogger', () => {
  it.each(['key', 'apiKey', 'apikey', 'password', 'token', 'secret'])('redacts %s', (field) => {
    const lines: string[] = [];
    const log = createVisionLogger('info', { write: (line: string) => void lines.push(line) });
    const secret = 'do-not-log-0123456789';
    log.info({ [field]: secret, mqtt: { [field]: secret } }, 'service.starting');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret);
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({ msg: 'service.starting', name: 'vision', [field]: '[redacted]' });
    expect(record.mqtt[field]).toBe('[redacted]');
  });

  it('honours the configured level', () => {
    const lines: string[] = [];
    const log = createVisionLogger('warn', { write: (line: string) => void lines.push(line) });
    log.info({}, 'below.level');
    log.warn({}, 'frame.unreadable');
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['frame.unreadable']);
  });
});
