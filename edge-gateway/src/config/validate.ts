// Walks a parsed YAML value against a schema, filling defaults and collecting every problem (not just the first).

import type { ConfigProblemCode } from '../errors.js';
import type { FieldSpec, Fields, ObjectSpec } from './schema-dsl.js';
import { didYouMean, nearest } from './suggest.js';

export type PathSegment = string | number;

/** A problem before it is given a line number; `segments` is the path as keys and indices. */
export interface RawProblem {
  code: ConfigProblemCode;
  segments: readonly PathSegment[];
  message: string;
  hint?: string;
  /** Valid names close to a typo, best first (unknown keys, bad enum values). */
  suggestions?: readonly string[];
  /** Point at the key itself rather than its value (unknown keys). */
  atKey?: boolean;
  /** A foreign component's own code (the motion API's), kept beside ours. */
  sourceCode?: string;
}

/** `auth.keys[1].role` from ['auth', 'keys', 1, 'role']. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out || '(document)';
}

export interface ValidationResult {
  /** The input with defaults filled in; keys whose values had problems are left out. */
  value: Record<string, unknown>;
  problems: RawProblem[];
}

/** Validates `input` against `fields`, the root of the schema. */
export function validateDocument(fields: Fields, input: unknown): ValidationResult {
  const problems: RawProblem[] = [];
  const walker = new Walker(fields, problems);
  const value = walker.object({ kind: 'object', fields, doc: '' }, input ?? {}, []) ?? {};
  return { value, problems };
}

class Walker {
  /** Leaf name -> every full path that declares it, for hints when a key sits in the wrong section. */
  private readonly leafIndex = new Map<string, string[]>();

  constructor(
    root: Fields,
    private readonly problems: RawProblem[],
  ) {
    this.index(root, '');
  }

  private index(fields: Fields, prefix: string): void {
    for (const [key, spec] of Object.entries(fields)) {
      const path = prefix ? `${prefix}.${key}` : key;
      this.leafIndex.set(key, [...(this.leafIndex.get(key) ?? []), path]);
      if (spec.kind === 'object') this.index(spec.fields, path);
      if (spec.kind === 'list') this.index(spec.items.fields, `${path}[]`);
    }
  }

  private report(problem: RawProblem): undefined {
    this.problems.push(problem);
    return undefined;
  }

  object(spec: ObjectSpec, raw: unknown, at: readonly PathSegment[]): Record<string, unknown> | undefined {
    if (!isMapping(raw)) {
      return this.report({
        code: 'EDGE_CONFIG_WRONG_TYPE',
        segments: at,
        message: `${formatPath(at)} must be a mapping of keys to values, not ${describe(raw)}`,
      });
    }
    const known = Object.keys(spec.fields);
    for (const key of Object.keys(raw)) {
      if (Object.hasOwn(spec.fields, key)) continue;
      const elsewhere = (this.leafIndex.get(key) ?? []).filter((path) => path !== formatPath([...at, key]));
      const near = nearest(key, known);
      // Nothing close here: maybe the key is right but sits in the wrong section.
      const suggestions = near.length > 0 ? near : elsewhere;
      const hint =
        didYouMean(near) ??
        (elsewhere.length > 0
          ? `\`${key}\` belongs under ${elsewhere.map((p) => `\`${p}\``).join(' or ')}`
          : undefined) ??
        `valid keys here: ${known.join(', ')}`;
      this.report({
        code: 'EDGE_CONFIG_UNKNOWN_KEY',
        segments: [...at, key],
        message: `unknown key ${formatPath([...at, key])}`,
        hint,
        ...(suggestions.length > 0 ? { suggestions } : {}),
        atKey: true,
      });
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(spec.fields)) {
      const value = this.field(field, raw[key], [...at, key]);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  private field(spec: FieldSpec, raw: unknown, at: readonly PathSegment[]): unknown {
    if (raw === undefined) return this.absent(spec, at);
    // `motion:` or `embedded:` with nothing under it parses as null: an empty section, not an error.
    if (raw === null && (spec.kind === 'object' || spec.kind === 'opaque')) {
      return spec.kind === 'object' ? this.object(spec, {}, at) : {};
    }
    switch (spec.kind) {
      case 'object':
        return this.object(spec, raw, at);
      case 'opaque':
        if (isMapping(raw)) return raw;
        return this.wrongType(at, 'a mapping', raw);
      case 'list':
        return this.list(spec, raw, at);
      case 'string':
        return this.string(spec, raw, at);
      case 'int':
      case 'number':
        return this.number(spec, raw, at);
      case 'bool':
        return typeof raw === 'boolean' ? raw : this.wrongType(at, 'true or false', raw);
      case 'enum': {
        if (typeof raw === 'string' && spec.values.includes(raw)) return raw;
        const suggestions = typeof raw === 'string' ? nearest(raw, spec.values) : [];
        return this.report({
          code: typeof raw === 'string' ? 'EDGE_CONFIG_BAD_VALUE' : 'EDGE_CONFIG_WRONG_TYPE',
          segments: at,
          message: `${formatPath(at)} must be one of ${spec.values.join(', ')}, not ${describe(raw)}`,
          ...withHint(didYouMean(suggestions)),
          ...(suggestions.length > 0 ? { suggestions } : {}),
        });
      }
    }
  }

  private absent(spec: FieldSpec, at: readonly PathSegment[]): unknown {
    if (spec.optional) return undefined;
    if (spec.kind === 'object') return this.object(spec, {}, at);
    if (spec.kind === 'opaque') return {};
    if (spec.kind === 'list') return spec.default ? [] : this.missing(at);
    if (spec.default !== undefined) return spec.default;
    return this.missing(at);
  }

  private missing(at: readonly PathSegment[]): undefined {
    return this.report({
      code: 'EDGE_CONFIG_MISSING_KEY',
      segments: at,
      message: `missing key ${formatPath(at)}`,
    });
  }

  private wrongType(at: readonly PathSegment[], expected: string, raw: unknown): undefined {
    return this.report({
      code: 'EDGE_CONFIG_WRONG_TYPE',
      segments: at,
      message: `${formatPath(at)} must be ${expected}, not ${describe(raw)}`,
    });
  }

  private list(spec: FieldSpec & { kind: 'list' }, raw: unknown, at: readonly PathSegment[]): unknown {
    if (!Array.isArray(raw)) return this.wrongType(at, 'a list', raw);
    if (raw.length < spec.minItems || raw.length > spec.maxItems) {
      this.report({
        code: 'EDGE_CONFIG_OUT_OF_RANGE',
        segments: at,
        message: `${formatPath(at)} must have ${spec.minItems}..${spec.maxItems} entries, not ${raw.length}`,
      });
    }
    const items: unknown[] = [];
    raw.forEach((item, index) => {
      const value = this.object(spec.items, item, [...at, index]);
      if (value !== undefined) items.push(value);
    });
    // A list with a broken entry is left out, so later checks never see a shifted index.
    return items.length === raw.length ? items : undefined;
  }

  private string(spec: FieldSpec & { kind: 'string' }, raw: unknown, at: readonly PathSegment[]): unknown {
    if (typeof raw !== 'string') return this.wrongType(at, 'a string', raw);
    if (
      (spec.minLength !== undefined && raw.length < spec.minLength) ||
      (spec.maxLength !== undefined && raw.length > spec.maxLength)
    ) {
      return this.report({
        code: 'EDGE_CONFIG_OUT_OF_RANGE',
        segments: at,
        message: `${formatPath(at)} must be ${spec.minLength ?? 0}..${spec.maxLength ?? 'any'} characters long, not ${raw.length}`,
      });
    }
    if (spec.pattern && !spec.pattern.test(raw)) {
      return this.report({
        code: 'EDGE_CONFIG_BAD_VALUE',
        segments: at,
        message: `${formatPath(at)} must be ${spec.patternDoc ?? `like ${spec.pattern}`}`,
      });
    }
    return raw;
  }

  private number(
    spec: FieldSpec & { kind: 'int' | 'number' },
    raw: unknown,
    at: readonly PathSegment[],
  ): unknown {
    const integer = spec.kind === 'int';
    if (typeof raw !== 'number' || !Number.isFinite(raw)) {
      return this.wrongType(at, integer ? 'an integer' : 'a number', raw);
    }
    if (integer && !Number.isInteger(raw)) return this.wrongType(at, 'an integer', raw);
    if (raw < spec.min || raw > spec.max) {
      return this.report({
        code: 'EDGE_CONFIG_OUT_OF_RANGE',
        segments: at,
        message: `${formatPath(at)} must be within ${spec.min}..${spec.max}, not ${raw}`,
      });
    }
    return raw;
  }
}

function withHint(hint: string | undefined): { hint?: string } {
  return hint === undefined ? {} : { hint };
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a wrong value; never echoes long strings (they may be secrets). */
function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}
