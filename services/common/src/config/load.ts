// Loads a config: YAML text -> schema walk -> cross-field checks -> problems with line numbers, all at once.

import { readFile } from 'node:fs/promises';
import type { Static, TSchema } from '@sinclair/typebox';
import { type Document, LineCounter, parseDocument } from 'yaml';
import { locate } from './locate.js';
import { ConfigError, type ConfigProblem, formatPath, type RawProblem } from './problems.js';
import { validateAgainstSchema } from './validate.js';

export interface ConfigCheckOptions<T> {
  /**
   * Cross-field checks a schema cannot express (unique ids, references, min < max). Runs on the
   * value with defaults filled in; `schemaOk` is false when that value is partial. Problems at a path
   * the schema already refused are dropped, so one mistake is reported once.
   */
  check?: (value: T, schemaOk: boolean) => readonly RawProblem[];
}

export type ConfigCheck<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

/** Checks YAML (or JSON) text without throwing: the typed value, or every problem in document order. */
export function checkConfigText<S extends TSchema>(
  schema: S,
  text: string,
  options: ConfigCheckOptions<Static<S>> = {},
): ConfigCheck<Static<S>> {
  const lineCounter = new LineCounter();
  // prettyErrors off: its code frames would quote source lines, and those may hold secrets.
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { code: 'CONFIG_PARSE', path: '(document)', message: error.message, line, column: col };
      }),
    };
  }
  return checkParsed(schema, document.toJS({ maxAliasCount: 100 }), options, { document, lineCounter });
}

/** Checks an already-parsed value (a JSON body, an MQTT payload, a test's object); problems carry no line numbers. */
export function checkConfigValue<S extends TSchema>(
  schema: S,
  raw: unknown,
  options: ConfigCheckOptions<Static<S>> = {},
): ConfigCheck<Static<S>> {
  return checkParsed(schema, raw, options, undefined);
}

/** Like checkConfigText, but throws ConfigError('CONFIG_INVALID') carrying every problem. */
export function parseConfigText<S extends TSchema>(
  schema: S,
  text: string,
  options: ConfigCheckOptions<Static<S>> & { source?: string } = {},
): Static<S> {
  return valueOrThrow(checkConfigText(schema, text, options), options.source);
}

/** Like checkConfigValue, but throws ConfigError('CONFIG_INVALID') carrying every problem. */
export function parseConfigValue<S extends TSchema>(
  schema: S,
  raw: unknown,
  options: ConfigCheckOptions<Static<S>> & { source?: string } = {},
): Static<S> {
  return valueOrThrow(checkConfigValue(schema, raw, options), options.source);
}

/** Reads and validates a config file; throws ConfigError CONFIG_UNREADABLE or CONFIG_INVALID. */
export async function loadConfigFile<S extends TSchema>(
  schema: S,
  file: string,
  options: ConfigCheckOptions<Static<S>> = {},
): Promise<Static<S>> {
  return parseConfigText(schema, await readConfigFile(file), { ...options, source: file });
}

/** The file's text, or ConfigError CONFIG_UNREADABLE (the message names the file, never its contents). */
export async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError('CONFIG_UNREADABLE', [], { cause, source: file });
  }
}

function valueOrThrow<T>(result: ConfigCheck<T>, source: string | undefined): T {
  if (!result.ok)
    throw new ConfigError('CONFIG_INVALID', result.problems, source === undefined ? {} : { source });
  return result.value;
}

function checkParsed<S extends TSchema>(
  schema: S,
  raw: unknown,
  options: ConfigCheckOptions<Static<S>>,
  source: { document: Document; lineCounter: LineCounter } | undefined,
): ConfigCheck<Static<S>> {
  const validated = validateAgainstSchema(schema, raw);
  const schemaOk = validated.problems.length === 0;
  const refused = new Set(validated.problems.map((problem) => formatPath(problem.segments)));
  const semantic = options.check?.(validated.value, schemaOk) ?? [];
  const raws = [
    ...validated.problems,
    ...semantic.filter((problem) => !refused.has(formatPath(problem.segments))),
  ];
  const problems = raws.map((problem): ConfigProblem => {
    const position =
      source && problem.segments[0] !== '$env'
        ? locate(source.document, source.lineCounter, problem.segments, problem.atKey)
        : undefined;
    return {
      code: problem.code,
      path:
        problem.segments[0] === '$env' ? `$env.${String(problem.segments[1])}` : formatPath(problem.segments),
      message: problem.message,
      ...(problem.hint === undefined ? {} : { hint: problem.hint }),
      ...(problem.suggestions === undefined ? {} : { suggestions: problem.suggestions }),
      ...(position === undefined ? {} : { line: position.line, column: position.column }),
    };
  });
  // Document order; problems without a position (env variables) last. Array.sort is stable.
  const far = Number.MAX_SAFE_INTEGER;
  problems.sort((a, b) => (a.line ?? far) - (b.line ?? far) || (a.column ?? far) - (b.column ?? far));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: validated.value };
}
