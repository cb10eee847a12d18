// The shape of a `servo-edge` subcommand, and the I/O it is given (so tests run commands in-process).

export interface CliIo {
  /** One line to stdout (no trailing newline needed). */
  out(line: string): void;
  /** One line to stderr. */
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

export interface CliCommand {
  name: string;
  /** One line for `servo-edge --help`. */
  summary: string;
  /** e.g. `check-config <file>`. */
  usage: string;
  /** Resolves with the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes: 0 ok, 1 the command ran and found a problem, 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;
