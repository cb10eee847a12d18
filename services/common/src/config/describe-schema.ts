// The rows of a README config reference, read from the schema: every key path with its doc line and default.

import type { TSchema } from '@sinclair/typebox';
import { isOptional, kindOf } from './validate.js';

export interface ConfigKeyRow {
  /** `http.port`, `axes[].name`. */
  path: string;
  /** The schema's `description`. */
  doc: string;
  default?: unknown;
  optional: boolean;
}

/** Every key under `schema`, depth first, in declaration order. */
export function configKeyRows(schema: TSchema, prefix = ''): ConfigKeyRow[] {
  const node = schema as TSchema & Record<string, unknown>;
  const kind = kindOf(node);
  if (kind === 'Array') return configKeyRows(node['items'] as TSchema, `${prefix}[]`);
  if (kind !== 'Object') return [];
  const rows: ConfigKeyRow[] = [];
  for (const [key, child] of Object.entries(node['properties'] as Record<string, TSchema>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    rows.push({
      path,
      doc: child.description ?? '',
      ...(child.default === undefined ? {} : { default: child.default }),
      optional: isOptional(child),
    });
    rows.push(...configKeyRows(child, path));
  }
  return rows;
}
