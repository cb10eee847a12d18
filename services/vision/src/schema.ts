// A small declarative schema: each config / recipe key is declared once, with its type, bounds and default.

import { VisionError } from './errors.js';

interface Base {
  /** One line for the README table. */
  doc: string;
  /** Absent values stay absent (no default). */
  optional?: true;
}
export interface StringSpec extends Base {
  kind: 'string';
  pattern?: RegExp;
  /** What `pattern` means, for messages. */
  patternDoc?: string;
  default?: string;
}
export interface IntSpec extends Base {
  kind: 'int';
  min: number;
  max: number;
  default?: number;
}
export interface NumberSpec extends Base {
  kind: 'number';
  min: number;
  max: number;
  default?: number;
}
export interface EnumSpec<V extends string | number = string | number> extends Base {
  kind: 'enum';
  values: readonly V[];
  default?: V;
}
export interface ObjectSpec<F extends Fields = Fields> extends Base {
  kind: 'object';
  fields: F;
}
export type FieldSpec = StringSpec | IntSpec | NumberSpec | EnumSpec | ObjectSpec;
export type Fields = { readonly [key: string]: FieldSpec };

/** The TypeScript type a spec validates to; fields marked `optional` become optional properties. */
export type Infer<S> = S extends StringSpec
  ? string
  : S extends IntSpec | NumberSpec
    ? number
    : S extends EnumSpec<infer V>
      ? V
      : S extends ObjectSpec<infer F>
        ? InferFields<F>
        : never;
export type InferFields<F extends Fields> = {
  -readonly [K in keyof F as F[K] extends { optional: true } ? never : K]: Infer<F[K]>;
} & {
  -readonly [K in keyof F as F[K] extends { optional: true } ? K : never]?: Infer<F[K]>;
};

export const str = <S extends Omit<StringSpec, 'kind'>>(spec: S) => ({ kind: 'string' as const, ...spec });
export const int = <S extends Omit<IntSpec, 'kind'>>(spec: S) => ({ kind: 'int' as const, ...spec });
export const num = <S extends Omit<NumberSpec, 'kind'>>(spec: S) => ({ kind: 'number' as const, ...spec });
export const oneOf = <V extends string | number, S extends Omit<EnumSpec<V>, 'kind'>>(
  spec: S & { values: readonly V[] },
) => ({ kind: 'enum' as const, ...spec }) as S & { kind: 'enum'; values: readonly V[] };
export const obj = <F extends Fields, S extends Omit<ObjectSpec<F>, 'kind' | 'fields'>>(
  fields: F,
  spec: S,
) => ({
  kind: 'object' as const,
  fields,
  ...spec,
});

/**
 * Validates `value` against `spec`, filling defaults. Throws a VisionError whose `path` names the
 * first offending key: UNKNOWN_KEY (a typo), MISSING_KEY, INVALID_VALUE or OUT_OF_RANGE.
 */
export function validate<F extends Fields>(fields: F, value: unknown, path = ''): InferFields<F> {
  return validateObject(fields, value, path) as InferFields<F>;
}

function validateObject(fields: Fields, value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VisionError('INVALID_VALUE', `${path || 'document'} must be a mapping`, { path: path || '.' });
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(fields, key)) {
      throw new VisionError('UNKNOWN_KEY', `unknown key ${join(path, key)}`, { path: join(path, key) });
    }
  }
  const output: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(fields)) {
    const at = join(path, key);
    const raw = input[key];
    if (raw === undefined || raw === null) {
      if (spec.kind === 'object') {
        // A section may be left out entirely; its own keys then take their defaults.
        if (spec.optional && raw === undefined) continue;
        output[key] = validateObject(spec.fields, {}, at);
      } else if (spec.default !== undefined) {
        output[key] = spec.default;
      } else if (!spec.optional) {
        throw new VisionError('MISSING_KEY', `missing key ${at}`, { path: at });
      }
      continue;
    }
    output[key] = validateField(spec, raw, at);
  }
  return output;
}

function validateField(spec: FieldSpec, raw: unknown, at: string): unknown {
  switch (spec.kind) {
    case 'object':
      return validateObject(spec.fields, raw, at);
    case 'string':
      if (typeof raw !== 'string')
        throw new VisionError('INVALID_VALUE', `${at} must be a string`, { path: at });
      if (spec.pattern && !spec.pattern.test(raw)) {
        throw new VisionError('INVALID_VALUE', `${at} must be ${spec.patternDoc ?? spec.pattern}`, {
          path: at,
        });
      }
      return raw;
    case 'int':
    case 'number':
      if (
        typeof raw !== 'number' ||
        !Number.isFinite(raw) ||
        (spec.kind === 'int' && !Number.isInteger(raw))
      ) {
        throw new VisionError(
          'INVALID_VALUE',
          `${at} must be ${spec.kind === 'int' ? 'an integer' : 'a number'}`,
          {
            path: at,
          },
        );
      }
      if (raw < spec.min || raw > spec.max) {
        throw new VisionError('OUT_OF_RANGE', `${at} must be within ${spec.min}..${spec.max}`, { path: at });
      }
      return raw;
    case 'enum':
      if (!(spec.values as readonly unknown[]).includes(raw)) {
        throw new VisionError('INVALID_VALUE', `${at} must be one of ${spec.values.join(', ')}`, {
          path: at,
        });
      }
      return raw;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Every key path declared by `fields`, depth first, e.g. `mqtt.url`; used to keep the README complete. */
export function keyPaths(fields: Fields, path = ''): Array<{ path: string; spec: FieldSpec }> {
  const out: Array<{ path: string; spec: FieldSpec }> = [];
  for (const [key, spec] of Object.entries(fields)) {
    const at = join(path, key);
    out.push({ path: at, spec });
    if (spec.kind === 'object') out.push(...keyPaths(spec.fields, at));
  }
  return out;
}
