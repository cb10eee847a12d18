// One redaction list: secrets never reach a log line, whatever the nesting or the header's spelling.

import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { createMemoryLogger } from './memory-logger.js';

describe('createLogger', () => {
  it('writes one JSON line per call, message as the event name, level as a label', () => {
    const lines: string[] = [];
    const log = createLogger({ name: 'gateway', destination: { write: (line: string) => lines.push(line) } });
    log.info({ clientId: 'vision-1' }, 'mqtt.client.connected');
    log.debug({}, 'below.level');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({
      level: 'info',
      name: 'gateway',
      msg: 'mqtt.client.connected',
      clientId: 'vision-1',
    });
    expect(Number.isNaN(Date.parse(record.time))).toBe(false);
  });

  it.each([['password'], ['secret'], ['token'], ['key'], ['apiKey'], ['apikey'], ['authorization']])(
    'redacts %s at the top level and two levels down',
    (field) => {
      const memory = createMemoryLogger();
      const secret = 'hunter2-do-not-log-0123456789';
      memory.logger.warn({ [field]: secret, user: { [field]: secret }, a: { b: { [field]: secret } } }, 'x');
      const line = JSON.stringify(memory.records);
      expect(line).not.toContain(secret);
      expect(memory.records[0]?.fields[field]).toBe('[redacted]');
    },
  );

  it("redacts the request headers that carry keys in fastify's request logs", () => {
    const memory = createMemoryLogger();
    const secret = 'Bearer abcdefghijklmnop0123456789';
    memory.logger.info(
      {
        req: {
          method: 'GET',
          headers: { authorization: secret, 'sec-websocket-protocol': 'key.abc123secret' },
        },
      },
      'incoming request',
    );
    const text = JSON.stringify(memory.records);
    expect(text).not.toContain('abcdefghijklmnop');
    expect(text).not.toContain('abc123secret');
    expect(text).toContain('GET');
  });

  it('serialises an error given as err, with its code', () => {
    const memory = createMemoryLogger();
    memory.logger.error({ err: Object.assign(new Error('boom'), { code: 'EDGE_X' }) }, 'broker.failed');
    expect(memory.events('broker.failed')[0]?.fields['err']).toMatchObject({
      message: 'boom',
      code: 'EDGE_X',
    });
  });
});
