// The base of every package's error class: a stable string `code` from that package's registry.
// Callers and tests branch on `code`, never on `message` (fastify's FST_ERR_* convention).

/** One registry entry: what the code means, for the README's error table. */
export interface ErrorSpec {
  readonly description: string;
}

export interface CodedErrorOptions {
  cause?: unknown;
}

/**
 * `class MotionError extends CodedError<MotionErrorCode>`: `message` is the registry's description,
 * followed by the detail when one is given.
 */
export class CodedError<Code extends string> extends Error {
  readonly code: Code;

  constructor(code: Code, description: string, detail?: string, options: CodedErrorOptions = {}) {
    super(
      detail ? `${description} ${detail}` : description,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
  }
}

/** The codes of a registry, in declaration order (for docs-sync tests). */
export function registryCodes<Code extends string>(registry: Readonly<Record<Code, unknown>>): Code[] {
  return Object.keys(registry) as Code[];
}
