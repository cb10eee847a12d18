// The one config walker: the same code for the same mistake, every problem at once, each pointing at its line.

import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { checkConfigText, checkConfigValue, parseConfigValue } from './load.js';
import { ConfigError, type RawProblem } from './problems.js';

const Schema = Type.Object({
  http: Type.Object({
    host: Type.String({
      default: '127.0.0.1',
      pattern: '^[A-Za-z0-9.:_-]+$',
      patternDoc: 'a host name or IP address',
    }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port.' }),
  }),
  mode: Type.Union([Type.Literal('embedded'), Type.Literal('external')], { default: 'embedded' }),
  ratio: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  axes: Type.Array(
    Type.Object({ name: Type.String({ minLength: 1 }), min: Type.Number(), max: Type.Number() }),
    { minItems: 1, maxItems: 4 },
  ),
  tags: Type.Record(Type.String({ pattern: '^[a-z]+$' }), Type.String(), { default: {} }),
  limit: Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('none')], { default: 'none' }),
});

const ok = { axes: [{ name: 'x', min: 0, max: 1 }] };

describe('validateAgainstSchema through checkConfigValue', () => {
  it('fills defaults, including whole sections left out', () => {
    const result = checkConfigValue(Schema, ok);
    expect(result).toEqual({
      ok: true,
      value: {
        http: { host: '127.0.0.1', port: 8080 },
        mode: 'embedded',
        axes: ok.axes,
        tags: {},
        limit: 'none',
      },
    });
  });

  it('fills the keys of a section whose own default is {}', () => {
    const WithDefault = Type.Object({
      limits: Type.Object({ maxMs: Type.Integer({ default: 50 }) }, { default: {} }),
    });
    expect(checkConfigValue(WithDefault, {})).toEqual({ ok: true, value: { limits: { maxMs: 50 } } });
  });

  it('treats an empty section (null in YAML) as a section with every default', () => {
    const result = checkConfigValue(Schema, { ...ok, http: null });
    expect(result.ok && result.value.http).toEqual({ host: '127.0.0.1', port: 8080 });
  });

  it.each<[string, unknown, string, string]>([
    ['a typo', { ...ok, http: { prot: 1 } }, 'CONFIG_UNKNOWN_KEY', 'http.prot'],
    ['a missing key', { axes: [{ name: 'x', min: 0 }] }, 'CONFIG_MISSING_KEY', 'axes[0].max'],
    ['an out-of-range number', { ...ok, http: { port: 70000 } }, 'CONFIG_OUT_OF_RANGE', 'http.port'],
    ['an exclusive bound', { ...ok, ratio: 0 }, 'CONFIG_OUT_OF_RANGE', 'ratio'],
    ['a non-integer', { ...ok, http: { port: 80.5 } }, 'CONFIG_WRONG_TYPE', 'http.port'],
    ['a string for a number', { ...ok, http: { port: '80' } }, 'CONFIG_WRONG_TYPE', 'http.port'],
    ['a list for a mapping', { ...ok, http: [] }, 'CONFIG_WRONG_TYPE', 'http'],
    ['a value not allowed', { ...ok, mode: 'embeded' }, 'CONFIG_BAD_VALUE', 'mode'],
    ['a pattern mismatch', { ...ok, http: { host: 'a b' } }, 'CONFIG_BAD_VALUE', 'http.host'],
    ['too many entries', { axes: Array(5).fill(ok.axes[0]) }, 'CONFIG_OUT_OF_RANGE', 'axes'],
    ['an empty string', { axes: [{ name: '', min: 0, max: 1 }] }, 'CONFIG_OUT_OF_RANGE', 'axes[0].name'],
    ['a bad record key', { ...ok, tags: { Bad: 'x' } }, 'CONFIG_BAD_VALUE', 'tags.Bad'],
    ['a union of shapes, neither fitting', { ...ok, limit: true }, 'CONFIG_WRONG_TYPE', 'limit'],
    ['a union member that fits but is out of range', { ...ok, limit: 0 }, 'CONFIG_OUT_OF_RANGE', 'limit'],
  ])('%s gets one problem with a stable code and a dotted path', (_name, input, code, path) => {
    const result = checkConfigValue(Schema, input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.code, p.path])).toEqual([[code, path]]);
  });

  it('hints at the nearest key, or at the section where a key belongs', () => {
    const result = checkConfigValue(Schema, { ...ok, http: { prot: 1 }, port: 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const typo = result.problems.find((p) => p.path === 'http.prot');
    const misplaced = result.problems.find((p) => p.path === 'port');
    expect(typo?.suggestions).toEqual(['port']);
    expect(typo?.hint).toContain('`port`');
    expect(misplaced?.suggestions).toEqual(['http.port']);
  });

  it('suggests the nearest allowed value', () => {
    const result = checkConfigValue(Schema, { ...ok, mode: 'extrenal' });
    expect(!result.ok && result.problems[0]?.suggestions).toEqual(['external']);
  });

  it('never echoes a string value in a message (it may be a secret)', () => {
    const result = checkConfigValue(Schema, { ...ok, http: { port: 's3cret-value' } });
    expect(JSON.stringify(result)).not.toContain('s3cret-value');
  });

  it('runs cross-field checks, and drops their problems at paths the schema refused', () => {
    const check = (value: { axes: { min: number; max: number }[] }): RawProblem[] =>
      value.axes.flatMap((axis, index) =>
        axis.min < axis.max
          ? []
          : [
              {
                code: 'CONFIG_CONFLICT' as const,
                segments: ['axes', index, 'max'],
                message: 'max must exceed min',
              },
            ],
      );
    const conflict = checkConfigValue(Schema, { axes: [{ name: 'x', min: 2, max: 1 }] }, { check });
    expect(!conflict.ok && conflict.problems.map((p) => [p.code, p.path])).toEqual([
      ['CONFIG_CONFLICT', 'axes[0].max'],
    ]);
    expect(() => parseConfigValue(Schema, { axes: [{ name: 'x', min: 2, max: 1 }] }, { check })).toThrow(
      ConfigError,
    );
    try {
      parseConfigValue(Schema, { axes: [{ name: 'x', min: 2, max: 1 }] }, { check });
    } catch (error) {
      expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    }
  });
});

describe('null in messages', () => {
  const Message = Type.Object({
    decoded: Type.Union([Type.Object({ text: Type.String() }), Type.Null()]),
    capturedAtMs: Type.Union([Type.Number(), Type.Null()]),
  });

  it('takes null where a union allows it, and keeps it in the value', () => {
    expect(checkConfigValue(Message, { decoded: null, capturedAtMs: null })).toEqual({
      ok: true,
      value: { decoded: null, capturedAtMs: null },
    });
    expect(checkConfigValue(Message, { decoded: { text: 'x' }, capturedAtMs: 5 })).toMatchObject({
      ok: true,
    });
  });

  it('refuses a value that is neither the shape nor null with CONFIG_WRONG_TYPE', () => {
    const result = checkConfigValue(Message, { decoded: 'x', capturedAtMs: '1' });
    expect(!result.ok && result.problems.map((p) => [p.code, p.path])).toEqual([
      ['CONFIG_WRONG_TYPE', 'decoded'],
      ['CONFIG_WRONG_TYPE', 'capturedAtMs'],
    ]);
  });

  it('refuses null where no union allows it', () => {
    const result = checkConfigValue(Type.Object({ at: Type.Number() }), { at: null });
    expect(!result.ok && result.problems[0]?.code).toBe('CONFIG_WRONG_TYPE');
  });
});

describe('checkConfigText', () => {
  it('reports every problem with its line and column, in document order', () => {
    const text = ['http:', '  prot: 80', 'mode: other', 'axes:', '  - name: x', '    min: 0', ''].join('\n');
    const result = checkConfigText(Schema, text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.code, p.path, p.line, p.column])).toEqual([
      ['CONFIG_UNKNOWN_KEY', 'http.prot', 2, 3],
      ['CONFIG_BAD_VALUE', 'mode', 3, 7],
      ['CONFIG_MISSING_KEY', 'axes[0].max', 5, 5],
    ]);
  });

  it('reports a YAML syntax error as CONFIG_PARSE with its position', () => {
    const result = checkConfigText(Schema, 'http: [\n');
    expect(!result.ok && result.problems[0]?.code).toBe('CONFIG_PARSE');
    expect(!result.ok && result.problems[0]?.line).toBeGreaterThan(0);
  });

  it('refuses a duplicated key', () => {
    const result = checkConfigText(Schema, 'mode: embedded\nmode: external\naxes: []\n');
    expect(!result.ok && result.problems[0]?.code).toBe('CONFIG_PARSE');
  });
});
