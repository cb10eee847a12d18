// Keeps the code registries, the README tables and the TypeScript unions in step.

import { readFileSync } from 'node:fs';
import { FRAME_ERRORS, orderReasons, REASON_CODES, type ReasonCode } from '@servo-edge/common/mqtt';
import type { ExpectedReason } from '@servo-edge/simulator/labels';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { resolveConfig } from './config.js';
import { ERROR_CODES } from './error-codes.js';
import { type ErrorCode, VisionError } from './errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Codes in the first column of the table under `## <heading>`. */
function readmeCodes(heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README has a "## ${heading}" section`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
}

describe('reason codes', () => {
  it('registry and README list the same codes, in the same order', () => {
    expect(readmeCodes('Reason codes')).toEqual(Object.keys(REASON_CODES));
  });
  it('registry keys are exactly the ReasonCode union', () => {
    expectTypeOf<keyof typeof REASON_CODES>().toEqualTypeOf<ReasonCode>();
  });
  it('covers every reason the issue names', () => {
    const required: ReasonCode[] = [
      'NO_LABEL',
      'NO_CODE',
      'WRONG_GTIN',
      'WRONG_LOT',
      'EXPIRED',
      'BAD_CHECK_DIGIT',
      'MISPLACED',
      'SKEWED',
      'LOW_CONTRAST',
      'UNREADABLE_IMAGE',
    ];
    for (const code of required) expect(REASON_CODES).toHaveProperty(code);
  });
  it('the simulator expects only reasons this service can give', () => {
    expectTypeOf<ExpectedReason>().toExtend<ReasonCode>();
  });
  it('orderReasons sorts into registry order and drops duplicates', () => {
    expect(orderReasons(['SKEWED', 'NO_CODE', 'SKEWED', 'MISPLACED'])).toEqual([
      'NO_CODE',
      'MISPLACED',
      'SKEWED',
    ]);
  });
});

describe('error codes', () => {
  it('registry and README list the same codes, in the same order', () => {
    expect(readmeCodes('Error codes')).toEqual(Object.keys(ERROR_CODES));
  });
  it('registry keys are exactly the ErrorCode union', () => {
    expectTypeOf<keyof typeof ERROR_CODES>().toEqualTypeOf<ErrorCode>();
  });
  it("includes every code of the frame envelope's decoder", () => {
    for (const code of Object.keys(FRAME_ERRORS)) expect(ERROR_CODES).toHaveProperty(code);
  });
  it('VisionError carries its code', () => {
    const error = new VisionError('MQTT_CONNECT_FAILED', 'x');
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('MQTT_CONNECT_FAILED');
  });
  it('config problems are the common ConfigError, with the offending path', () => {
    expect(() => resolveConfig({ mqtt: { pasword: 'x' } }, { env: {}, coreCount: 1 })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        problems: [expect.objectContaining({ code: 'CONFIG_UNKNOWN_KEY', path: 'mqtt.pasword' })],
      }),
    );
  });
});
