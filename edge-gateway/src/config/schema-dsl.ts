// A declarative config schema: each key is declared once with its type, bounds, default and doc line.

interface Base {
  /** One line for the README's config reference. */
  doc: string;
  /** Absent stays absent: no default, no "missing" problem. */
  optional?: true;
}
export interface StringSpec extends Base {
  kind: 'string';
  pattern?: RegExp;
  /** What `pattern` means, in words, for the problem message. */
  patternDoc?: string;
  minLength?: number;
  maxLength?: number;
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
export interface BoolSpec extends Base {
  kind: 'bool';
  default?: boolean;
}
export interface EnumSpec<V extends string = string> extends Base {
  kind: 'enum';
  values: readonly V[];
  default?: V;
}
export interface ObjectSpec<F extends Fields = Fields> extends Base {
  kind: 'object';
  fields: F;
}
export interface ListSpec<I extends ObjectSpec = ObjectSpec> extends Base {
  kind: 'list';
  items: I;
  minItems: number;
  maxItems: number;
  /** An absent list is empty. */
  default?: readonly [];
}
/** A mapping whose contents another component validates (the `motion` section). */
export interface OpaqueSpec extends Base {
  kind: 'opaque';
}
export type FieldSpec =
  | StringSpec
  | IntSpec
  | NumberSpec
  | BoolSpec
  | EnumSpec
  | ObjectSpec
  | ListSpec
  | OpaqueSpec;
export type Fields = { readonly [key: string]: FieldSpec };

/** The TypeScript type a spec validates to. */
export type Infer<S> = S extends StringSpec
  ? string
  : S extends IntSpec | NumberSpec
    ? number
    : S extends BoolSpec
      ? boolean
      : S extends EnumSpec<infer V>
        ? V
        : S extends ObjectSpec<infer F>
          ? InferFields<F>
          : S extends ListSpec<infer I>
            ? Infer<I>[]
            : S extends OpaqueSpec
              ? Record<string, unknown>
              : never;
export type InferFields<F extends Fields> = {
  -readonly [K in keyof F as F[K] extends { optional: true } ? never : K]: Infer<F[K]>;
} & {
  -readonly [K in keyof F as F[K] extends { optional: true } ? K : never]?: Infer<F[K]>;
};

export const str = <S extends Omit<StringSpec, 'kind'>>(spec: S) => ({ kind: 'string' as const, ...spec });
export const int = <S extends Omit<IntSpec, 'kind'>>(spec: S) => ({ kind: 'int' as const, ...spec });
export const num = <S extends Omit<NumberSpec, 'kind'>>(spec: S) => ({ kind: 'number' as const, ...spec });
export const bool = <S extends Omit<BoolSpec, 'kind'>>(spec: S) => ({ kind: 'bool' as const, ...spec });
export const oneOf = <V extends string, S extends Omit<EnumSpec<V>, 'kind'>>(
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
export const list = <I extends ObjectSpec, S extends Omit<ListSpec<I>, 'kind' | 'items'>>(
  items: I,
  spec: S,
) => ({
  kind: 'list' as const,
  items,
  ...spec,
});
export const opaque = <S extends Omit<OpaqueSpec, 'kind'>>(spec: S) => ({ kind: 'opaque' as const, ...spec });

/** Every key path the schema declares (`auth.keys[].role` for list items), in declaration order. */
export function keyPaths(fields: Fields, prefix = ''): string[] {
  const paths: string[] = [];
  for (const [key, spec] of Object.entries(fields)) {
    const path = prefix ? `${prefix}.${key}` : key;
    paths.push(path);
    if (spec.kind === 'object') paths.push(...keyPaths(spec.fields, path));
    if (spec.kind === 'list') paths.push(...keyPaths(spec.items.fields, `${path}[]`));
  }
  return paths;
}
