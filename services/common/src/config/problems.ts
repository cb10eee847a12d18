// One shape and one closed set of codes for config problems, in every package's config and in the recipe.

/** A problem's code: the same code for the same mistake in every config file servo-edge reads. */
export const CONFIG_PROBLEM_CODES = {
  CONFIG_PARSE: 'The file is not valid YAML (or JSON).',
  CONFIG_UNKNOWN_KEY: 'A key the schema does not know: usually a typo; `hint` says what was probably meant.',
  CONFIG_MISSING_KEY: 'A required key is absent.',
  CONFIG_WRONG_TYPE:
    'A value has the wrong type (a string where a number belongs, a list for a mapping, ...).',
  CONFIG_OUT_OF_RANGE: 'A number, a length or a list size is outside its bounds.',
  CONFIG_BAD_VALUE:
    'A value of the right type that is not allowed: not one of the listed values, or not in the required format.',
  CONFIG_CONFLICT:
    'Two values that are each valid but not together (min above max, dev mode on a public host, ...).',
  CONFIG_DUPLICATE: 'A name, id or address given twice where it must be unique.',
  CONFIG_UNKNOWN_REFERENCE:
    'A name that should refer to something declared elsewhere in the file, and does not.',
  CONFIG_SECRET_MISSING: 'A secret is named (for example by an environment variable) but not there.',
  CONFIG_ENV_INVALID: 'An environment variable that overrides the file holds an invalid value.',
} as const;

export type ConfigProblemCode = keyof typeof CONFIG_PROBLEM_CODES;

export type PathSegment = string | number;

/** One problem found in a config. A loader reports every problem at once, in document order. */
export interface ConfigProblem {
  code: ConfigProblemCode;
  /** Dotted path of the offending key, e.g. `mqtt.embedded.portTcp` or `axes[1].role`; `$env.NAME` for env vars; `(document)` for the whole file. */
  path: string;
  message: string;
  /** What to do about it, e.g. "did you mean `portTcp`?". */
  hint?: string;
  /** Valid names close to a typo, best first; the hint says the same in words. */
  suggestions?: readonly string[];
  /** 1-based position in the YAML source, when the path exists in it. */
  line?: number;
  column?: number;
}

/** A problem before it is given a line number; `segments` is the path as keys and indices. */
export interface RawProblem {
  code: ConfigProblemCode;
  segments: readonly PathSegment[];
  message: string;
  hint?: string;
  suggestions?: readonly string[];
  /** Point at the key itself rather than its value (unknown keys). */
  atKey?: boolean;
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

/** `a.b[2].c` -> ['a', 'b', 2, 'c']. */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[1] !== undefined) segments.push(match[1]);
  }
  return segments;
}

/** A config that did not load: `CONFIG_INVALID` with every problem, or `CONFIG_UNREADABLE` (no file, no access). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: 'CONFIG_INVALID' | 'CONFIG_UNREADABLE';
  readonly problems: readonly ConfigProblem[];

  constructor(
    code: 'CONFIG_INVALID' | 'CONFIG_UNREADABLE',
    problems: readonly ConfigProblem[],
    options?: { cause?: unknown; source?: string },
  ) {
    const where = options?.source ? `${options.source}: ` : '';
    super(
      code === 'CONFIG_UNREADABLE'
        ? `${where}the configuration could not be read`
        : `${where}${problems.length} configuration problem(s)\n${problems.map(formatProblem).join('\n')}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.problems = problems;
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}

/** `  line 12: mqtt.portTcp: unknown key mqtt.portTcp (did you mean `port`?) [CONFIG_UNKNOWN_KEY]`. */
export function formatProblem(problem: ConfigProblem): string {
  const at = problem.line === undefined ? '' : `line ${problem.line}: `;
  const hint = problem.hint === undefined ? '' : ` (${problem.hint})`;
  return `  ${at}${problem.path}: ${problem.message}${hint} [${problem.code}]`;
}
