// Walks a parsed YAML/JSON value against a TypeBox schema, filling defaults and collecting every problem
// (not just the first) with a stable code, a path and a hint. TypeBox declares the keys, their types,
// bounds, defaults and doc lines once; this walker, not Value.Errors, decides the messages, because a
// config's reader needs "did you mean `portTcp`?" and one problem per mistake, not a union's sub-errors.

import { Kind, OptionalKind, type Static, type TSchema } from '@sinclair/typebox';
import { formatPath, type PathSegment, type RawProblem } from './problems.js';
import { didYouMean, nearest } from './suggest.js';

/** Extra keyword a string schema may carry: what its `pattern` means, in words, for the problem message. */
export interface PatternDoc {
  patternDoc?: string;
}

export interface ValidationResult<T> {
  /** The input with defaults filled in; keys whose values had problems are left out. Only typed when `problems` is empty. */
  value: T;
  problems: RawProblem[];
}

/** Validates `input` (the whole document) against `schema`. Never throws on any input. */
export function validateAgainstSchema<S extends TSchema>(
  schema: S,
  input: unknown,
): ValidationResult<Static<S>> {
  const problems: RawProblem[] = [];
  const walker = new Walker(schema, problems);
  const value = walker.field(schema, input ?? {}, []);
  return { value: (value ?? {}) as Static<S>, problems };
}

type Schema = TSchema & Record<string, unknown>;

/** TypeBox's kind of a schema: 'Object', 'Array', 'String', 'Union', ... */
export const kindOf = (schema: TSchema): string =>
  (schema as unknown as Record<symbol, unknown>)[Kind] as string;
/** Declared with Type.Optional. */
export const isOptional = (schema: TSchema): boolean =>
  (schema as unknown as Record<symbol, unknown>)[OptionalKind] === 'Optional';

class Walker {
  /** Leaf name -> every full path that declares it, for hints when a key sits in the wrong section. */
  private readonly leafIndex = new Map<string, string[]>();

  constructor(
    root: TSchema,
    private readonly problems: RawProblem[],
  ) {
    this.index(root, '');
  }

  private index(schema: TSchema, prefix: string): void {
    const kind = kindOf(schema);
    if (kind === 'Object') {
      for (const [key, child] of Object.entries(
        (schema as Schema)['properties'] as Record<string, TSchema>,
      )) {
        const path = prefix ? `${prefix}.${key}` : key;
        this.leafIndex.set(key, [...(this.leafIndex.get(key) ?? []), path]);
        this.index(child, path);
      }
    } else if (kind === 'Array') this.index((schema as Schema)['items'] as TSchema, `${prefix}[]`);
  }

  private report(problem: RawProblem): undefined {
    this.problems.push(problem);
    return undefined;
  }

  field(schema: TSchema, raw: unknown, at: readonly PathSegment[]): unknown {
    const kind = kindOf(schema);
    if (raw === undefined) return this.absent(schema, at);
    // `motion:` with nothing under it parses as null: an empty section, not an error.
    if (raw === null && (kind === 'Object' || kind === 'Record')) return this.field(schema, {}, at);
    switch (kind) {
      case 'Object':
        return this.object(schema as Schema, raw, at);
      case 'Record':
        return this.record(schema as Schema, raw, at);
      case 'Array':
        return this.list(schema as Schema, raw, at);
      case 'String':
        return this.string(schema as Schema & PatternDoc, raw, at);
      case 'Number':
      case 'Integer':
        return this.number(schema as Schema, kind === 'Integer', raw, at);
      case 'Boolean':
        return typeof raw === 'boolean' ? raw : this.wrongType(at, 'true or false', raw);
      case 'Null':
        // Messages (not config files) say "none" with null: `Type.Union([Shape, Type.Null()])`.
        return raw === null ? null : this.wrongType(at, 'null', raw);
      case 'Literal':
      case 'Union':
        return this.oneOf(schema as Schema, raw, at);
      case 'Unknown':
      case 'Any':
        return raw;
      default:
        throw new Error(`config schema at ${formatPath(at)}: TypeBox kind ${kind} is not supported`);
    }
  }

  private absent(schema: TSchema, at: readonly PathSegment[]): unknown {
    const declared = (schema as Schema)['default'];
    // The default goes through the schema too, so a section defaulting to {} gets its keys' defaults.
    if (declared !== undefined) return this.field(schema, structuredClone(declared), at);
    if (isOptional(schema)) return undefined;
    // A section left out is a section with every default: its own missing keys are reported inside it.
    if (kindOf(schema) === 'Object') return this.object(schema as Schema, {}, at);
    return this.report({
      code: 'CONFIG_MISSING_KEY',
      segments: at,
      message: `missing key ${formatPath(at)}`,
    });
  }

  private wrongType(at: readonly PathSegment[], expected: string, raw: unknown): undefined {
    return this.report({
      code: 'CONFIG_WRONG_TYPE',
      segments: at,
      message: `${formatPath(at)} must be ${expected}, not ${describe(raw)}`,
    });
  }

  private object(
    schema: Schema,
    raw: unknown,
    at: readonly PathSegment[],
  ): Record<string, unknown> | undefined {
    if (!isMapping(raw)) return this.wrongType(at, 'a mapping of keys to values', raw);
    const properties = schema['properties'] as Record<string, TSchema>;
    const known = Object.keys(properties);
    if (schema['additionalProperties'] !== true) {
      for (const key of Object.keys(raw)) {
        if (Object.hasOwn(properties, key)) continue;
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
          code: 'CONFIG_UNKNOWN_KEY',
          segments: [...at, key],
          message: `unknown key ${formatPath([...at, key])}`,
          hint,
          ...(suggestions.length > 0 ? { suggestions } : {}),
          atKey: true,
        });
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(properties)) {
      const value = this.field(child, raw[key], [...at, key]);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  private record(
    schema: Schema,
    raw: unknown,
    at: readonly PathSegment[],
  ): Record<string, unknown> | undefined {
    if (!isMapping(raw)) return this.wrongType(at, 'a mapping of keys to values', raw);
    const [keyPattern, valueSchema] = Object.entries(
      schema['patternProperties'] as Record<string, TSchema>,
    )[0]!;
    const keyRegExp = new RegExp(keyPattern);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (!keyRegExp.test(key)) {
        this.report({
          code: 'CONFIG_BAD_VALUE',
          segments: [...at, key],
          message: `${formatPath([...at, key])}: ${(schema as PatternDoc).patternDoc ?? `keys must match ${keyPattern}`}`,
          atKey: true,
        });
        continue;
      }
      const checked = this.field(valueSchema, value, [...at, key]);
      if (checked !== undefined) out[key] = checked;
    }
    return out;
  }

  private list(schema: Schema, raw: unknown, at: readonly PathSegment[]): unknown {
    if (!Array.isArray(raw)) return this.wrongType(at, 'a list', raw);
    const minItems = (schema['minItems'] as number | undefined) ?? 0;
    const maxItems = (schema['maxItems'] as number | undefined) ?? Number.POSITIVE_INFINITY;
    if (raw.length < minItems || raw.length > maxItems) {
      this.report({
        code: 'CONFIG_OUT_OF_RANGE',
        segments: at,
        message: `${formatPath(at)} must have ${minItems}..${maxItems} entries, not ${raw.length}`,
      });
    }
    const items: unknown[] = [];
    raw.forEach((item, index) => {
      const value = this.field(schema['items'] as TSchema, item, [...at, index]);
      if (value !== undefined) items.push(value);
    });
    // A list with a broken entry is left out, so later checks never see a shifted index.
    return items.length === raw.length ? items : undefined;
  }

  private string(schema: Schema & PatternDoc, raw: unknown, at: readonly PathSegment[]): unknown {
    if (typeof raw !== 'string') return this.wrongType(at, 'a string', raw);
    const minLength = schema['minLength'] as number | undefined;
    const maxLength = schema['maxLength'] as number | undefined;
    if (
      (minLength !== undefined && raw.length < minLength) ||
      (maxLength !== undefined && raw.length > maxLength)
    ) {
      return this.report({
        code: 'CONFIG_OUT_OF_RANGE',
        segments: at,
        message: `${formatPath(at)} must be ${minLength ?? 0}..${maxLength ?? 'any'} characters long, not ${raw.length}`,
      });
    }
    const pattern = schema['pattern'] as string | undefined;
    if (pattern !== undefined && !new RegExp(pattern).test(raw)) {
      return this.report({
        code: 'CONFIG_BAD_VALUE',
        segments: at,
        message: `${formatPath(at)} must be ${schema.patternDoc ?? `like /${pattern}/`}`,
      });
    }
    return raw;
  }

  private number(schema: Schema, integer: boolean, raw: unknown, at: readonly PathSegment[]): unknown {
    if (typeof raw !== 'number' || !Number.isFinite(raw)) {
      return this.wrongType(at, integer ? 'an integer' : 'a number', raw);
    }
    if (integer && !Number.isInteger(raw)) return this.wrongType(at, 'an integer', raw);
    const min = schema['minimum'] as number | undefined;
    const max = schema['maximum'] as number | undefined;
    const above = schema['exclusiveMinimum'] as number | undefined;
    const below = schema['exclusiveMaximum'] as number | undefined;
    const outside =
      (min !== undefined && raw < min) ||
      (max !== undefined && raw > max) ||
      (above !== undefined && raw <= above) ||
      (below !== undefined && raw >= below);
    if (outside) {
      const lower = above !== undefined ? `above ${above}` : `at least ${min ?? '-∞'}`;
      const upper = below !== undefined ? `below ${below}` : `at most ${max ?? '∞'}`;
      return this.report({
        code: 'CONFIG_OUT_OF_RANGE',
        segments: at,
        message: `${formatPath(at)} must be ${lower} and ${upper}, not ${raw}`,
      });
    }
    return raw;
  }

  /** A literal, a union of literals (an enum), or a union of shapes (the first whose type fits). */
  private oneOf(schema: Schema, raw: unknown, at: readonly PathSegment[]): unknown {
    const members = kindOf(schema) === 'Literal' ? [schema] : (schema['anyOf'] as Schema[]);
    const literals = members
      .filter((member) => kindOf(member) === 'Literal')
      .map((member) => member['const']);
    if (literals.includes(raw as never)) return raw;
    const shapes = members.filter((member) => kindOf(member) !== 'Literal');
    const fitting = shapes.find((member) => typeFits(member, raw));
    if (fitting) return this.field(fitting, raw, at);
    if (shapes.length === 0) {
      const names = literals.map(String);
      const suggestions = typeof raw === 'string' ? nearest(raw, names) : [];
      const hint = didYouMean(suggestions);
      return this.report({
        code: typeof raw === typeof literals[0] ? 'CONFIG_BAD_VALUE' : 'CONFIG_WRONG_TYPE',
        segments: at,
        message: `${formatPath(at)} must be one of ${names.join(', ')}, not ${describe(raw)}`,
        ...(hint === undefined ? {} : { hint }),
        ...(suggestions.length > 0 ? { suggestions } : {}),
      });
    }
    const expected = [...literals.map(String), ...shapes.map((member) => describeKind(kindOf(member)))];
    return this.wrongType(at, expected.join(' or '), raw);
  }
}

function typeFits(schema: Schema, raw: unknown): boolean {
  switch (kindOf(schema)) {
    case 'Object':
    case 'Record':
      return isMapping(raw);
    case 'Array':
      return Array.isArray(raw);
    case 'String':
      return typeof raw === 'string';
    case 'Number':
    case 'Integer':
      return typeof raw === 'number';
    case 'Boolean':
      return typeof raw === 'boolean';
    case 'Null':
      return raw === null;
    default:
      return true;
  }
}

function describeKind(kind: string): string {
  const words: Record<string, string> = {
    Object: 'a mapping',
    Record: 'a mapping',
    Array: 'a list',
    String: 'a string',
    Number: 'a number',
    Integer: 'an integer',
    Boolean: 'true or false',
    Null: 'null',
  };
  return words[kind] ?? kind;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a wrong value; never echoes a string (it may be a secret). */
function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}
