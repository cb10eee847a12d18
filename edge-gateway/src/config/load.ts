// Loads the gateway's YAML config: parse, schema, env and secrets, motion section; throws once with every problem.

import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { type ConfigProblem, GatewayError } from '../errors.js';
import { locate } from './locate.js';
import { resolveConfig } from './resolve.js';
import { CONFIG_SCHEMA } from './schema.js';
import { nearest } from './suggest.js';
import type { ConfigEnvironment, GatewayConfig } from './types.js';
import { formatPath, type PathSegment, type RawProblem, validateDocument } from './validate.js';

/** A problem the motion API's loader found in the `motion` section; `path` is relative to that section. */
export interface MotionSectionProblem {
  path: string;
  code: string;
  message: string;
}

/**
 * The seam for the motion API's own loader: given the opaque `motion` section, return its problems
 * (empty when valid). The gateway reports them under `motion.` with code EDGE_CONFIG_MOTION_INVALID.
 */
export type MotionSectionValidator = (
  section: Record<string, unknown>,
  env: ConfigEnvironment,
) => readonly MotionSectionProblem[];

export interface LoadOptions {
  /** Defaults to `process.env`. */
  env?: ConfigEnvironment;
  validateMotion?: MotionSectionValidator;
}

export type ConfigCheck = { ok: true; config: GatewayConfig } | { ok: false; problems: ConfigProblem[] };

/** Checks YAML text without throwing: the config, or every problem in document order. */
export function checkConfigText(text: string, options: LoadOptions = {}): ConfigCheck {
  const env = options.env ?? process.env;
  const lineCounter = new LineCounter();
  // prettyErrors off: its code frames would quote source lines, and those may hold secrets.
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { code: 'EDGE_CONFIG_PARSE', path: '(document)', message: error.message, line, column: col };
      }),
    };
  }
  const schema = validateDocument(CONFIG_SCHEMA, document.toJS({ maxAliasCount: 100 }));
  const resolved = resolveConfig(schema.value, schema.problems.length === 0, env);
  // A value the schema already refused is not reported a second time by the cross-field checks.
  const refused = new Set(schema.problems.map((problem) => formatPath(problem.segments)));
  const raw: RawProblem[] = [
    ...schema.problems,
    ...resolved.problems.filter((problem) => !refused.has(formatPath(problem.segments))),
  ];

  const motion = schema.value['motion'];
  if (options.validateMotion && motion !== undefined) {
    for (const problem of options.validateMotion(motion as Record<string, unknown>, env)) {
      raw.push({
        code: 'EDGE_CONFIG_MOTION_INVALID',
        segments: ['motion', ...parsePath(problem.path)],
        message: problem.message,
        sourceCode: problem.code,
      });
    }
  }

  // line.axes must name axes the motion section declares (checked once that section has a loader).
  if (options.validateMotion && schema.problems.length === 0) raw.push(...missingLineAxes(schema.value));

  const problems = raw.map((problem): ConfigProblem => {
    const position =
      problem.segments[0] === '$env'
        ? undefined
        : locate(document, lineCounter, problem.segments, problem.atKey);
    return {
      code: problem.code,
      path:
        problem.segments[0] === '$env' ? `$env.${String(problem.segments[1])}` : formatPath(problem.segments),
      message: problem.message,
      ...(problem.hint === undefined ? {} : { hint: problem.hint }),
      ...(problem.suggestions === undefined ? {} : { suggestions: problem.suggestions }),
      ...(position === undefined ? {} : { line: position.line, column: position.column }),
      ...(problem.sourceCode === undefined ? {} : { sourceCode: problem.sourceCode }),
    };
  });
  // Document order; problems without a position (env variables) last. Array.sort is stable.
  const far = Number.MAX_SAFE_INTEGER;
  problems.sort((a, b) => (a.line ?? far) - (b.line ?? far) || (a.column ?? far) - (b.column ?? far));
  if (problems.length > 0 || resolved.config === undefined) return { ok: false, problems };
  return { ok: true, config: resolved.config };
}

/** Parses and validates YAML text; throws EDGE_CONFIG_INVALID carrying every problem. */
export function parseConfigText(text: string, options: LoadOptions = {}): GatewayConfig {
  const result = checkConfigText(text, options);
  if (!result.ok) {
    throw new GatewayError('EDGE_CONFIG_INVALID', `${result.problems.length} problem(s)`, {
      problems: result.problems,
    });
  }
  return result.config;
}

/** Reads and validates a config file; throws EDGE_CONFIG_UNREADABLE or EDGE_CONFIG_INVALID. */
export async function loadConfigFile(file: string, options: LoadOptions = {}): Promise<GatewayConfig> {
  return parseConfigText(await readConfigFile(file), options);
}

export async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new GatewayError('EDGE_CONFIG_UNREADABLE', file, { cause });
  }
}

/** `a.b[2].c` -> ['a', 'b', 2, 'c']. */
function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[1] !== undefined) segments.push(match[1]);
  }
  return segments;
}

/** `line.axes.<role>` values that are not an `axes[].name` of the motion section. */
function missingLineAxes(checked: Record<string, unknown>): RawProblem[] {
  const motionAxes = (checked['motion'] as { axes?: unknown } | undefined)?.axes;
  if (!Array.isArray(motionAxes)) return [];
  const declared = new Set(
    motionAxes.map((axis) => (axis as { name?: unknown } | null)?.name).filter((n) => typeof n === 'string'),
  );
  const roles = ((checked['line'] as { axes?: Record<string, unknown> } | undefined)?.axes ?? {}) as Record<
    string,
    unknown
  >;
  const problems: RawProblem[] = [];
  for (const [role, name] of Object.entries(roles)) {
    if (typeof name === 'string' && !declared.has(name)) {
      problems.push({
        code: 'EDGE_CONFIG_CONFLICT',
        segments: ['line', 'axes', role],
        message: `line.axes.${role} is \`${name}\`, which motion.axes does not declare`,
        ...(declared.size > 0 ? { suggestions: nearest(name, [...declared] as string[]) } : {}),
      });
    }
  }
  return problems;
}
